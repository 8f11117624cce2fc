"""Anti-aliased text in a real font (DejaVu Sans Bold, bundled with matplotlib) for the screen.

OpenCV's own Hershey fonts are stroke outlines with no degree sign; they drift off the letters
in current wheels. Text is rendered once per (text, size) into an alpha mask, by OpenCV's
freetype module where the installed OpenCV has it (the PyPI opencv-contrib wheels do not), else
by Pillow (a matplotlib dependency); the screen then blends cached masks, which costs far less
than rasterising every label on every frame.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import cv2
import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from formcoach.types import ImageArray

Colour = tuple[int, int, int]
FONT_FILE = "DejaVuSans-Bold.ttf"  # bold: strokes stay thick enough to read from 3 m
MASK_CACHE = 512  # distinct labels kept rendered: numbers and cues repeat


@dataclass(frozen=True, eq=False)
class Mask:
    """One line of text as coverage (0..255), ``height`` the font's line height in pixels."""

    alpha: ImageArray
    ascent: int  # baseline's distance from the top

    @property
    def width(self) -> int:
        return int(self.alpha.shape[1])

    @property
    def height(self) -> int:
        return int(self.alpha.shape[0])


@cache
def font_path() -> Path | None:
    """DejaVu Sans Bold from matplotlib's bundled fonts (None: not found)."""
    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / FONT_FILE
    return path if path.is_file() else None


_freetype = threading.local()  # a FreeType2 object is not safe to share between threads


def _freetype_mask(text: str, px: int, path: Path) -> Mask:
    if not hasattr(_freetype, "ft2"):
        _freetype.ft2 = cv2.freetype.createFreeType2()  # type: ignore[attr-defined]
        _freetype.ft2.loadFontData(str(path), 0)
    ft2 = _freetype.ft2
    (w, h), baseline = ft2.getTextSize(text, px, -1)
    alpha = np.zeros((h + baseline, max(1, w)), np.uint8)
    ft2.putText(alpha, text, (0, h), px, 255, -1, cv2.LINE_AA, True)
    return Mask(alpha, h)


@lru_cache(maxsize=64)
def _pillow_font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = font_path()
    # Pillow's own scalable default font when matplotlib's files are missing.
    return ImageFont.truetype(str(path), px) if path else ImageFont.load_default(px)


def _pillow_mask(text: str, px: int) -> Mask:
    font = _pillow_font(px)
    ascent, descent = font.getmetrics() if isinstance(font, ImageFont.FreeTypeFont) else (px, px // 4)
    width = max(1, round(font.getlength(text)))
    image = Image.new("L", (width, int(ascent + descent)))
    ImageDraw.Draw(image).text((0, 0), text, font=font, fill=255)
    return Mask(np.asarray(image, dtype=np.uint8), int(ascent))


@lru_cache(maxsize=MASK_CACHE)
def render(text: str, px: int) -> Mask:
    """``text`` in one line at a font size of ``px`` pixels (cached)."""
    path = font_path()
    if hasattr(cv2, "freetype") and path is not None:
        return _freetype_mask(text, px, path)
    return _pillow_mask(text, px)


def text_width(text: str, px: int) -> int:
    return render(text, px).width


@lru_cache(maxsize=MASK_CACHE)
def _layers(text: str, px: int, colour: Colour) -> tuple[ImageArray, ImageArray]:
    """(what of the background stays, the colour already weighted by coverage), per channel:
    blending is then two saturating SIMD passes, about 20x faster than float arithmetic."""
    alpha = render(text, px).alpha
    coverage = cv2.merge([alpha, alpha, alpha])
    paint = cv2.multiply(np.full(coverage.shape, colour, np.uint8), coverage, scale=1 / 255)
    return np.asarray(cv2.bitwise_not(coverage), np.uint8), np.asarray(paint, np.uint8)


def put(canvas: ImageArray, text: str, x: int, y: int, px: int, colour: Colour) -> Mask:
    """Draw ``text`` with its line box's top-left at (x, y), clipped to the canvas; returns
    what was drawn."""
    mask = render(text, px)
    height, width = canvas.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(width, x + mask.width), min(height, y + mask.height)
    if x1 > x0 and y1 > y0:
        keep, paint = _layers(text, px, colour)
        inside = np.s_[y0 - y : y1 - y, x0 - x : x1 - x]
        region = canvas[y0:y1, x0:x1]
        region[:] = cv2.add(cv2.multiply(region, keep[inside], scale=1 / 255), paint[inside])
    return mask
