"""The screen's heads-up parts, made to be read from three metres: the count against its
target (the largest thing on screen), side and set, the cue on a band, the range-of-motion
gauge, the frame-rate figures, and the paused and setup states.

Each draws in place on a canvas ``draw_overlay`` has already copied.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from formcoach.exercises.schema import BOTH, ExerciseDef, Kind
from formcoach.feedback.anchors import label
from formcoach.feedback.paint import AMBER, GREEN, GREY, WHITE, Scale, boxed, dim, shade, wrap
from formcoach.feedback.state import Readout
from formcoach.feedback.text import put, render, text_width
from formcoach.measurements import MEASUREMENTS
from formcoach.types import CheckerUpdate, CoachPhase, ImageArray

COUNT_PX, CUE_PX, SIDE_PX = 120, 46, 40  # font sizes at 720p
MARGIN = 16
DEG_RANGE = 30.0  # a gauge in degrees shows at least this much either side of its thresholds


def count_text(update: CheckerUpdate, exercise: ExerciseDef) -> tuple[str, str, float]:
    """(the big figure, its caption, the fraction done) for the top-right corner."""
    if exercise.kind is Kind.REPS and exercise.reps:
        target = exercise.reps.target
        return f"{update.rep_count}/{target}", "reps", update.rep_count / target
    if exercise.kind is Kind.HOLD and exercise.hold:
        target_s = exercise.hold.min_s
        return f"{update.hold_s:.0f}/{target_s:g}", "seconds held", update.hold_s / target_s
    target = exercise.cycles.target if exercise.cycles else 0
    return f"{update.rep_count}", f"circles, {target} each way", 0.0


def draw_count(canvas: ImageArray, update: CheckerUpdate, exercise: ExerciseDef) -> int:
    """Top right: the count or hold seconds against the target, a caption and a progress bar;
    returns the bottom of its box."""
    scale = Scale(canvas)
    figure, caption, fraction = count_text(update, exercise)
    big, small, margin = scale.px(COUNT_PX), scale.px(30), scale.px(MARGIN)
    big_w, small_w = text_width(figure, big), text_width(caption, small)
    width = max(big_w, small_w) + 2 * margin
    right = canvas.shape[1] - margin
    left = right - width
    bar_y = margin + render(figure, big).height + render(caption, small).height + margin
    bottom = bar_y + scale.px(14) + margin
    shade(canvas, left, margin, right, bottom, keep=0.25)
    put(canvas, figure, right - margin - big_w, margin, big, WHITE)
    put(canvas, caption, right - margin - small_w, margin + render(figure, big).height, small, GREY)
    bar_w = round((width - 2 * margin) * min(1.0, max(0.0, fraction)))
    bar = (left + margin, bar_y)
    cv2.rectangle(canvas, bar, (right - margin, bar_y + scale.px(14)), GREY, 1)
    colour = AMBER if update.phase is CoachPhase.POSITION else GREEN  # a hold's clock stopped
    if bar_w > 0:
        cv2.rectangle(canvas, bar, (bar[0] + bar_w, bar_y + scale.px(14)), colour, -1)
    return bottom


def draw_title(canvas: ImageArray, update: CheckerUpdate, exercise: ExerciseDef) -> None:
    """Top left: the exercise's name, then the side and set in large letters."""
    scale = Scale(canvas)
    margin = scale.px(MARGIN)
    boxed(canvas, exercise.name, margin, margin, scale.px(28), WHITE)
    parts = [f"{update.side.capitalize()} side"] if update.side != BOTH else []
    if exercise.reps and exercise.reps.sets > 1:
        parts.append(f"Set {update.set_index} of {exercise.reps.sets}")
    if parts:
        boxed(canvas, " · ".join(parts), margin, margin + scale.px(48), scale.px(SIDE_PX), WHITE)


def draw_cue(canvas: ImageArray, text: str) -> None:
    """The cue in large white letters on a near-black band along the bottom, wrapped."""
    if not text.strip():
        return
    scale = Scale(canvas)
    height, width = canvas.shape[:2]
    px, pad = scale.px(CUE_PX), scale.px(12)
    lines = wrap(text, width - 4 * pad, px)
    line_h = render("Ag", px).height
    top = height - 2 * pad - len(lines) * line_h
    shade(canvas, 0, top, width, height, keep=0.15)
    for i, line in enumerate(lines):
        put(canvas, line, (width - text_width(line, px)) // 2, top + pad + i * line_h, px, WHITE)


@dataclass(frozen=True)
class GaugeSpec:
    """The main measurement's scale and target band (either edge may be infinite)."""

    metric: str
    low: float
    high: float
    band: tuple[float, float]
    mark: float | None = None  # the start threshold of a rep


def gauge_spec(exercise: ExerciseDef) -> GaugeSpec | None:
    """The rep metric between its thresholds, or a hold's first absolute rule with a band."""
    reps = exercise.reps
    if reps is not None and not reps.relative:
        band = (reps.end, math.inf) if reps.increasing else (-math.inf, reps.end)
        return _spec(reps.metric, (reps.start, reps.end), band, reps.start)
    rules = sorted((r for r in exercise.rules if not r.relative), key=lambda r: not r.blocking)
    for rule in rules:
        if math.isfinite(rule.minimum) or math.isfinite(rule.maximum):
            edges = tuple(e for e in (rule.minimum, rule.maximum) if math.isfinite(e))
            return _spec(rule.metric, edges, (rule.minimum, rule.maximum), None)
    return None


def _spec(metric: str, edges: tuple[float, ...], band: tuple[float, float], mark: float | None) -> GaugeSpec:
    degrees = metric in MEASUREMENTS and MEASUREMENTS[metric].unit.is_angle
    spread = max(edges) - min(edges)
    reach = max(spread, DEG_RANGE) if degrees else max(spread, 0.5 * max(abs(e) for e in edges) or 1.0)
    low, high = min(edges) - reach, max(edges) + reach
    if degrees:
        low, high = max(low, -180.0), min(high, 180.0)
    return GaugeSpec(metric, low, high, band, mark)


def draw_gauge(canvas: ImageArray, spec: GaugeSpec, value: float) -> None:
    """Left edge: a vertical scale, its target band in green, a needle at ``value``."""
    scale = Scale(canvas)
    x0, x1 = scale.px(MARGIN + 8), scale.px(MARGIN + 40)
    top, bottom = scale.px(190), int(canvas.shape[0]) - scale.px(150)

    def y(v: float) -> int:
        f = (min(max(v, spec.low), spec.high) - spec.low) / (spec.high - spec.low)
        return round(bottom - f * (bottom - top))

    shade(canvas, x0 - scale.px(8), top - scale.px(44), x1 + scale.px(110), bottom + scale.px(8), keep=0.3)
    put(canvas, label(spec.metric), x0, top - scale.px(38), scale.px(24), WHITE)
    cv2.rectangle(canvas, (x0, top), (x1, bottom), GREY, scale.px(2))
    cv2.rectangle(canvas, (x0, y(spec.band[1])), (x1, y(spec.band[0])), GREEN, -1)
    if spec.mark is not None:
        cv2.line(canvas, (x0, y(spec.mark)), (x1, y(spec.mark)), WHITE, scale.px(2))
    if not math.isfinite(value):
        return
    needle = y(value)
    tip, size = x1 + scale.px(4), scale.px(12)
    cv2.fillConvexPoly(canvas, _triangle(tip, needle, size), WHITE, cv2.LINE_AA)
    put(canvas, number(spec.metric, value), tip + size + scale.px(4), needle - scale.px(16), scale.px(28), WHITE)


def _triangle(x: int, y: int, size: int) -> npt.NDArray[np.int32]:
    return np.array([[x, y], [x + size, y - size], [x + size, y + size]], np.int32)


def number(metric: str, value: float) -> str:
    unit = MEASUREMENTS[metric].unit
    # Beside a joint there is room for a degree sign, not for "hip widths".
    return unit.written(value) if unit.is_angle else unit.number(value)


def draw_readout(canvas: ImageArray, readout: Readout, top: int) -> None:
    """Small, right, from ``top`` down: frames per second and latency (when known)."""
    scale = Scale(canvas)
    latency = f" · {readout.latency_ms:.0f} ms" if readout.latency_ms is not None else " (recorded)"
    text = f"{readout.fps:.0f} fps{latency}"
    px = scale.px(20)
    x = canvas.shape[1] - scale.px(MARGIN) - text_width(text, px) - scale.px(8)
    boxed(canvas, text, x, top + scale.px(6), px, GREY)


def draw_paused(canvas: ImageArray) -> ImageArray:
    """The frame dimmed with PAUSED across it and the keys that go on or stop."""
    out = dim(canvas, 0.5)
    scale = Scale(out)
    height, width = out.shape[:2]
    shade(out, 0, height // 2 - scale.px(140), width, height // 2 + scale.px(130), keep=0.2)
    for text, px, y in (("PAUSED", scale.px(150), height // 2 - scale.px(120)),
                        ("space: go on  ·  q: stop and save", scale.px(40), height // 2 + scale.px(60))):  # fmt: skip
        put(out, text, (width - text_width(text, px)) // 2, y, px, WHITE)
    return out


def draw_setup(canvas: ImageArray, hint: str) -> None:
    """Getting into position: the heading and what is wrong, large, in a box at the middle."""
    scale = Scale(canvas)
    height, width = canvas.shape[:2]
    px, pad = scale.px(44), scale.px(18)
    lines = wrap(hint or "Get into position.", width * 2 // 3, px)
    line_h = render("Ag", px).height
    box_w = max(text_width(line, px) for line in [*lines, "Getting ready"]) + 2 * pad
    top = height // 2 - scale.px(90)
    left = (width - box_w) // 2
    shade(canvas, left, top, left + box_w, top + pad * 2 + (len(lines) + 1) * line_h, keep=0.2)
    put(canvas, "Getting ready", left + pad, top + pad, px, AMBER)
    for i, line in enumerate(lines, start=1):
        put(canvas, line, left + pad, top + pad + i * line_h, px, WHITE)
