"""E-mail messages (EML: the standard library's ``email``; Outlook MSG: ``extract-msg``) to the
attachments that become files of the batch (runs in a page process: hostile input).

An attachment is kept when its bytes are a kind we read (a PDF, an image, an office document):
signatures, calendar invites, text files and the images a mail's HTML body shows inline (those
with a Content-ID) are not documents of the batch. A message within the message (a forwarded
EML) is looked into as well.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from pathlib import Path

from documents.errors import DocumentRejected
from documents.kinds import CONTENT_TYPES, MESSAGE_KINDS, sniff_file


@dataclass
class Attachment:
    file_name: str  # as the message names it (the API cleans it like an uploaded name)
    path: Path


def _eml_parts(path: Path):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    for part in msg.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        if not filename and disposition != "attachment":
            continue  # the body
        if part["Content-ID"] and part.get_content_maintype() == "image" and disposition != "attachment":
            continue  # shown inline by the HTML body (a logo, a signature)
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            yield filename or "attachment", data


def _msg_parts(path: Path):
    import extract_msg

    with extract_msg.openMsg(str(path), delayAttachments=False) as msg:
        for att in msg.attachments:
            data = getattr(att, "data", None)
            if not isinstance(data, bytes):
                continue  # an embedded message or an OLE object
            hidden, cid = getattr(att, "hidden", False), getattr(att, "contentId", None)
            if hidden or (cid and (att.mimetype or "").startswith("image/")):
                continue  # shown inline by the HTML body
            yield att.longFilename or att.shortFilename or "attachment", data


def message_attachments(path: Path, *, kind: str, name: str, out_dir: Path, max_files: int,
                        max_bytes: int) -> list[Attachment]:
    """The readable attachments of the message at ``path``, written to ``out_dir``; at most
    max_files of them (one more is enough to refuse the batch)."""
    parts = _eml_parts(path) if kind == "eml" else _msg_parts(path)
    out: list[Attachment] = []
    stem = out_dir / f"{path.name}-att"
    for index, (filename, data) in enumerate(parts):
        if len(data) == 0 or len(data) > max_bytes:
            continue
        target = Path(f"{stem}{index:03d}")
        target.write_bytes(data)
        label = f"{filename}' in '{name}"  # kinds.py quotes it: '<attachment>' in '<message>'
        found = sniff_file(target, label)  # a macro or password in an attachment refuses it, by name
        if found is None or found in MESSAGE_KINDS or found not in CONTENT_TYPES:
            target.unlink()
            continue
        out.append(Attachment(filename, target))
        if len(out) > max_files:
            break
    if not out:
        raise DocumentRejected(
            f"'{name}' is an e-mail message with no attachment we can read (PDF, image or office document)"
        )
    return out
