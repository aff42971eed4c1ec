"""Outlook .msg files for tests: a minimal writer of the compound file format (MS-CFB, version 3)
and of the message's property streams (MS-OXMSG), enough for extract-msg to read a message with
attachments. No PyPI package writes .msg files; these are made from the specifications.

Streams under 4,096 bytes live in the mini stream (64-byte sectors, held by the root entry), as
the format requires; larger ones in regular 512-byte sectors.
"""

from __future__ import annotations

import struct

SECTOR, MINI, CUTOFF = 512, 64, 4096
FREE, END, FAT_SECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
PT_LONG, PT_UNICODE, PT_BINARY = 0x0003, 0x001F, 0x0102


class _Entry:
    def __init__(self, name: str, kind: int, data: bytes = b""):
        self.name, self.kind, self.data = name, kind, data  # kind: 1 storage, 2 stream, 5 root
        self.children: list[_Entry] = []
        self.start, self.id = END, 0

    def add(self, entry: _Entry) -> _Entry:
        self.children.append(entry)
        return entry


def _compound_file(root: _Entry) -> bytes:
    entries: list[_Entry] = []

    def number(e: _Entry) -> None:
        e.id = len(entries)
        entries.append(e)
        for c in e.children:
            number(c)

    number(root)
    sectors: list[bytes] = []
    chains: list[tuple[int, int]] = []  # (first sector, count) per chain of regular sectors

    def place(data: bytes, size: int) -> int:
        start, count = len(sectors), -(-len(data) // size)
        sectors.extend(data[i * size:(i + 1) * size].ljust(size, b"\0") for i in range(count))
        chains.append((start, count))
        return start

    mini: list[bytes] = []
    minifat: list[int] = []
    for e in entries:
        if e.kind == 2 and 0 < len(e.data) < CUTOFF:
            e.start, count = len(mini), -(-len(e.data) // MINI)
            mini.extend(e.data[i * MINI:(i + 1) * MINI].ljust(MINI, b"\0") for i in range(count))
            minifat.extend(e.start + i + 1 if i + 1 < count else END for i in range(count))
        elif e.kind == 2 and e.data:
            e.start = place(e.data, SECTOR)
    root.data = b"".join(mini)
    root.start = place(root.data, SECTOR) if root.data else END
    minifat_bytes = struct.pack(f"<{len(minifat)}I", *minifat) if minifat else b""
    minifat_start = place(minifat_bytes, SECTOR) if minifat else END
    minifat_count = -(-len(minifat_bytes) // SECTOR)
    directory = b""
    for e in entries:
        name = e.name.encode("utf-16-le")
        # siblings as a chain to the right; the tree's colour is black throughout
        siblings = next((p.children for p in entries if e in p.children), [e])
        index = siblings.index(e)
        right = siblings[index + 1].id if index + 1 < len(siblings) else NOSTREAM
        child = e.children[0].id if e.children else NOSTREAM
        directory += (name + b"\0\0").ljust(64, b"\0") + struct.pack(
            "<HBBIII16sIQQIQ", len(name) + 2, e.kind, 1, NOSTREAM, right, child, b"\0" * 16, 0, 0, 0,
            e.start, len(e.data))
    directory = directory.ljust(-(-len(directory) // SECTOR) * SECTOR, b"\0")
    dir_start = place(directory, SECTOR)
    fat_count = 1
    while (len(sectors) + fat_count) * 4 > fat_count * SECTOR:
        fat_count += 1
    fat = [FREE] * (fat_count * SECTOR // 4)
    for start, count in chains:
        for i in range(count):
            fat[start + i] = start + i + 1 if i + 1 < count else END
    fat_start = len(sectors)
    for i in range(fat_count):
        fat[fat_start + i] = FAT_SECT
    difat = [fat_start + i for i in range(fat_count)] + [FREE] * (109 - fat_count)
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\0" * 16, 0x3E, 3,
                         0xFFFE, 9, 6, b"\0" * 6, 0, fat_count, dir_start, 0, CUTOFF, minifat_start, minifat_count,
                         END, 0)
    header += struct.pack("<109I", *difat)
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    return header + b"".join(sectors) + fat_bytes


def _props(header: bytes, props: list[tuple[int, int, bytes | int]]) -> bytes:
    """A __properties_version1.0 stream: the header, then one 16-byte entry per property (fixed
    values inline; strings and binaries by size, their bytes in their own stream)."""
    out = header
    for prop_id, prop_type, value in props:
        tag = (prop_id << 16) | prop_type
        if isinstance(value, int):
            out += struct.pack("<IIQ", tag, 0x6, value)
        else:
            out += struct.pack("<IIII", tag, 0x6, len(value) + (2 if prop_type == PT_UNICODE else 0), 0)
    return out


def _with_streams(storage: _Entry, props: list[tuple[int, int, bytes | int]]) -> None:
    for prop_id, prop_type, value in props:
        if not isinstance(value, int):
            storage.add(_Entry(f"__substg1.0_{prop_id:04X}{prop_type:04X}", 2, value))


def _text(s: str) -> bytes:
    return s.encode("utf-16-le")


def msg(attachments: list[tuple[str, bytes, str]], *, subject: str = "Invoice INV-7731") -> bytes:
    """An Outlook message (IPM.Note) with these (file name, bytes, MIME type) attachments."""
    root = _Entry("Root Entry", 5)
    top = [(0x001A, PT_UNICODE, _text("IPM.Note")), (0x0037, PT_UNICODE, _text(subject)),
           (0x1000, PT_UNICODE, _text("Please find our invoice attached.")),
           (0x0C1A, PT_UNICODE, _text("Billing")), (0x0E07, PT_LONG, 0)]
    header = struct.pack("<8sIIII8s", b"\0" * 8, 0, len(attachments), 0, len(attachments), b"\0" * 8)
    root.add(_Entry("__properties_version1.0", 2, _props(header, top)))
    _with_streams(root, top)
    nameid = root.add(_Entry("__nameid_version1.0", 1))
    for stream in ("00020102", "00030102", "00040102"):
        nameid.add(_Entry(f"__substg1.0_{stream}", 2))
    for index, (name, data, mime) in enumerate(attachments):
        att = root.add(_Entry(f"__attach_version1.0_#{index:08X}", 1))
        props = [(0x3705, PT_LONG, 1), (0x3701, PT_BINARY, data), (0x3707, PT_UNICODE, _text(name)),
                 (0x3704, PT_UNICODE, _text(name[:12])), (0x370E, PT_UNICODE, _text(mime)),
                 (0x0E21, PT_LONG, index)]
        att.add(_Entry("__properties_version1.0", 2, _props(b"\0" * 8, props)))
        _with_streams(att, props)
    return _compound_file(root)
