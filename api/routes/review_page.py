"""The reviewer web page: GET /review and its static assets under /review/static/.

No auth here: the files are public; the page calls the API with a key the reviewer pastes.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

_ASSETS = {
    "review.js": "text/javascript; charset=utf-8",
    "review-viewer.js": "text/javascript; charset=utf-8",
    "review.css": "text/css; charset=utf-8",
}
_NO_CACHE = {"Cache-Control": "no-cache"}

router = APIRouter(include_in_schema=False)


@router.get("/review")
def review_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "review.html", media_type="text/html; charset=utf-8", headers=_NO_CACHE)


@router.get("/review/static/{name}")
def review_asset(name: str) -> FileResponse:
    media_type = _ASSETS.get(name)
    if media_type is None:
        raise HTTPException(status_code=404, detail="not found")
    return FileResponse(STATIC_DIR / name, media_type=media_type, headers=_NO_CACHE)
