"""Scanned-looking copies of a text PDF: what an office scanner or a phone app hands over.

PyMuPDF and numpy only. Every page is drawn at 150 dpi in grey, turned by a small angle (up to 5 degrees; some pages by
90 or 180 degrees, fed the wrong way round), blurred a little, sprinkled with speckle noise and
saved as JPEG; the pages then go into an image-only PDF, or a one-page document becomes a JPEG
or PNG file. Parameters are drawn per document from a seeded generator and recorded.

Two profiles (``draw_params(..., profile=)``):

* ``harsh`` (the default; the frozen sets and the shipped calibration use it, so it must not
  change): blur up to 1 px, speckles up to 0.4%, JPEG quality 35-80 — a worn phone-app scan;
* ``office``: the condition of issue 13 — 150 dpi grey, the same skew (up to 5 degrees) and page
  turns (90/180) drawn from the same numbers, so a document is skewed and turned exactly as its
  harsh copy is; light speckles (0, 0.05% or 0.25%), no blur, and JPEG quality 90.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field

import numpy as np
import pymupdf

DPI = 150
PROFILES = ("harsh", "office")
DEFAULT_PROFILE = "harsh"
# An office scanner or MFP saving grey pages to PDF writes JPEG at its "high quality" setting, around
# quality 90: at 150 dpi the artefacts stay below the paper's own grey noise. The issue names no
# compression damage, so the office profile adds none worth the name, yet keeps the container (and
# the ScanParams record) a scanner hands over rather than a lossless file no scanner sends by default.
OFFICE_JPEG_QUALITY = 90


@dataclass
class ScanParams:
    angle: float  # degrees, counter-clockwise, of every page
    turns: list[int] = field(default_factory=list)  # per page: 0, 90, 180 (quarter turns of the sheet)
    blur: float = 0.0  # Gaussian radius in pixels
    noise: float = 0.0  # share of pixels flipped to black or white
    jpeg_quality: int = 75
    container: str = "pdf"  # pdf | jpg | png
    dpi: int = DPI

    def as_dict(self) -> dict:
        return asdict(self)


def draw_params(rnd: random.Random, pages: int, profile: str = DEFAULT_PROFILE) -> ScanParams:
    """One document's scan damage under ``profile`` (see the module's docstring)."""
    if profile not in PROFILES:
        raise ValueError(f"scan profile must be one of {', '.join(PROFILES)}, not {profile!r}")
    r = rnd.random()
    mag = rnd.uniform(0, 1.5) if r < 0.6 else (rnd.uniform(1.5, 3) if r < 0.9 else rnd.uniform(3, 5))
    turns = [rnd.choice([0, 0, 0, 0, 0, 0, 0, 0, 180, 90]) for _ in range(pages)]
    if profile == "office":
        angle = round(mag * rnd.choice([-1, 1]), 2)
        noise = rnd.choice([0.0, 0.0005, 0.0025])
        container = "pdf" if pages > 1 or rnd.random() < 0.6 else rnd.choice(["jpg", "png"])
        return ScanParams(angle=angle, turns=turns, blur=0.0, noise=noise, jpeg_quality=OFFICE_JPEG_QUALITY,
                          container=container)
    return ScanParams(
        angle=round(mag * rnd.choice([-1, 1]), 2), turns=turns, blur=round(rnd.choice([0, 0.4, 0.7, 1.0]), 2),
        noise=round(rnd.choice([0.0, 0.0005, 0.0025, 0.004]), 4), jpeg_quality=rnd.choice([35, 50, 65, 80]),
        container="pdf" if pages > 1 or rnd.random() < 0.6 else rnd.choice(["jpg", "png"]),
    )


def scan_record(p: ScanParams, profile: str) -> dict:
    """A scan's parameters for a manifest; the profile is named unless it is the default, so the
    manifests of the frozen sets stay as they were."""
    return p.as_dict() if profile == DEFAULT_PROFILE else {**p.as_dict(), "profile": profile}


def _gray(a: np.ndarray) -> pymupdf.Pixmap:
    h, w = a.shape
    return pymupdf.Pixmap(pymupdf.csGRAY, w, h, np.ascontiguousarray(a, dtype=np.uint8).tobytes(), False)


def _blur(a: np.ndarray, radius: float) -> np.ndarray:
    """A small separable Gaussian blur (radius = sigma in pixels)."""
    k = np.exp(-0.5 * (np.arange(-2, 3) / radius) ** 2)
    k /= k.sum()
    out = a.astype(np.float32)
    for axis in (0, 1):
        acc = np.zeros_like(out)
        for s, w in zip(range(-2, 3), k):
            acc += w * np.roll(out, s, axis=axis)
        out = acc
    return out


def _page_image(page: pymupdf.Page, p: ScanParams, turn: int, rnd: np.random.Generator) -> pymupdf.Pixmap:
    # MuPDF draws the page already turned: the sheet's small skew plus any quarter turns
    zoom = p.dpi / 72
    pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom).prerotate(p.angle + turn),
                          colorspace=pymupdf.csGRAY, alpha=False)
    f: np.ndarray = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width).astype(np.float32)
    f = f * (235 - 25) / 255 + 25  # paper is never pure white, ink never pure black
    if p.blur:
        f = _blur(f, p.blur)
    a = np.clip(f, 0, 255).astype(np.uint8)
    if p.noise:
        mask = rnd.random(a.shape) < p.noise
        a[mask] = np.where(rnd.random(int(mask.sum())) < 0.5, 20, 245)
    return _gray(a)


def _jpeg(pix: pymupdf.Pixmap, quality: int) -> bytes:
    return pix.tobytes("jpg", jpg_quality=quality)


def scan_pdf(pdf: bytes, p: ScanParams, seed: int) -> tuple[bytes, str]:
    """The scanned copy and its file suffix (.pdf, .jpg or .png)."""
    rnd = np.random.default_rng(seed)
    with pymupdf.open(stream=pdf, filetype="pdf") as src:
        images = [_page_image(page, p, p.turns[i] if i < len(p.turns) else 0, rnd) for i, page in enumerate(src)]
    if p.container == "jpg" and len(images) == 1:
        return _jpeg(images[0], p.jpeg_quality), ".jpg"
    if p.container == "png" and len(images) == 1:
        # a JPEG that was converted to PNG later keeps its artefacts
        return pymupdf.Pixmap(_jpeg(images[0], p.jpeg_quality)).tobytes("png"), ".png"
    out = pymupdf.open()
    for img in images:
        w, h = img.width, img.height
        page = out.new_page(width=w * 72 / p.dpi, height=h * 72 / p.dpi)
        page.insert_image(page.rect, stream=_jpeg(img, p.jpeg_quality))
    data = out.tobytes(garbage=3, deflate=True, no_new_id=True)
    out.close()
    return data, ".pdf"
