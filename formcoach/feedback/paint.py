"""The screen's drawing primitives: colours, sizes from the frame height, dark boxes, labels.

Sizes are given for a 720-pixel-high frame and scaled with the image height. Text always sits
on a dark box, so it reads on a white wall as well as on a dark floor. Colours are BGR.
"""

from __future__ import annotations

import cv2
import numpy as np

from formcoach.feedback.text import Colour, put, render
from formcoach.types import ImageArray

GREEN: Colour = (80, 200, 80)
AMBER: Colour = (0, 176, 255)
RED: Colour = (60, 60, 235)
WHITE: Colour = (255, 255, 255)
GREY: Colour = (150, 150, 150)
BLACK: Colour = (0, 0, 0)

REFERENCE_HEIGHT = 720.0


class Scale:
    """Sizes for one image, from its height."""

    def __init__(self, image: ImageArray) -> None:
        self.k = int(image.shape[0]) / REFERENCE_HEIGHT

    def px(self, size: float) -> int:
        return max(1, round(size * self.k))


def shade(canvas: ImageArray, x0: int, y0: int, x1: int, y1: int, keep: float = 0.35) -> None:
    """Darken a box to ``keep`` of its brightness: text on it reads, the video still shows."""
    height, width = canvas.shape[:2]
    x0, x1, y0, y1 = max(0, x0), min(width, x1), max(0, y0), min(height, y1)
    if x1 > x0 and y1 > y0:
        canvas[y0:y1, x0:x1] = cv2.convertScaleAbs(canvas[y0:y1, x0:x1], alpha=keep)


def boxed(canvas: ImageArray, text: str, x: int, y: int, px: int, colour: Colour, keep: float = 0.25) -> int:
    """``text`` on a dark box whose top-left is (x, y); returns the box's width."""
    mask = render(text, px)
    pad = max(2, px // 5)
    shade(canvas, x, y, x + mask.width + 2 * pad, y + mask.height + pad, keep)
    put(canvas, text, x + pad, y + pad // 2, px, colour)
    return mask.width + 2 * pad


def wrap(text: str, max_width: int, px: int) -> list[str]:
    """``text`` broken into lines no wider than ``max_width`` (a single long word may be)."""
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and render(candidate, px).width <= max_width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def arrow(canvas: ImageArray, tail: tuple[int, int], head: tuple[int, int], colour: Colour, thickness: int) -> None:
    """A thick arrow with a dark edge, visible on any background."""
    for colour_, width in ((BLACK, thickness + max(2, thickness // 2)), (colour, thickness)):
        cv2.arrowedLine(canvas, tail, head, colour_, width, cv2.LINE_AA, tipLength=0.35)


def dim(image: ImageArray, keep: float) -> ImageArray:
    """A darkened copy of the whole image."""
    return np.asarray(cv2.convertScaleAbs(image, alpha=keep), dtype=np.uint8)
