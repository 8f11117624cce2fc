"""Stateless annotators: each draws one thing on a copy of the image and returns the copy.

``draw_overlay`` chains them for one pipeline step. Sizes are given for a 720-pixel-high
frame and scaled with the image height, so 432p and 1080p frames look alike. Colours are
BGR, as OpenCV wants them.
"""

from __future__ import annotations

import math
from dataclasses import replace
from enum import StrEnum

import cv2
import numpy as np

from formcoach.checkers.setup import ESTIMATE_MARGIN_DEG, view_offset, view_problem
from formcoach.exercises.schema import OTHER_SIDE, ExerciseDef, Kind, Phase, Rule, View
from formcoach.landmarks import SIDES, SKELETON_EDGES, Landmark, sided
from formcoach.measurements import MEASUREMENTS, MIN_VISIBILITY, Unit
from formcoach.types import CheckerUpdate, CoachPhase, ImageArray, Metrics, Pose
from formcoach.view import CameraView

Colour = tuple[int, int, int]

GREEN: Colour = (80, 200, 80)
AMBER: Colour = (0, 176, 255)
RED: Colour = (60, 60, 235)
WHITE: Colour = (240, 240, 240)
GREY: Colour = (150, 150, 150)
BLACK: Colour = (0, 0, 0)

FONT = cv2.FONT_HERSHEY_SIMPLEX
REFERENCE_HEIGHT = 720.0
NEAR_DEG = 10.0  # out of band by at most this many degrees: amber, not red
NEAR_FRACTION = 0.1  # the same for other units, as a fraction of the band edge

# The two limbs that meet at a joint, for the arc drawn there.
ARC_ENDS = {"knee": ("hip", "ankle"), "hip": ("shoulder", "knee"), "ankle": ("knee", "foot_index")}

# The checker's phase → the rule phase it judges; setup, rest and done judge nothing.
RULE_PHASE = {
    CoachPhase.START: Phase.START,
    CoachPhase.MOVING: Phase.MOVING,
    CoachPhase.END: Phase.END,
    CoachPhase.HOLD: Phase.HOLD,
    CoachPhase.POSITION: Phase.HOLD,
    CoachPhase.CIRCLES: Phase.ANY,
}

# Frames are drawn at most this tall: what a screen shows, at a fraction of 1080p's cost.
MAX_DRAW_HEIGHT = 720


class Band(StrEnum):
    IN = "in"
    NEAR = "near"
    OUT = "out"


BAND_COLOURS = {Band.IN: GREEN, Band.NEAR: AMBER, Band.OUT: RED}


def band_of(rule: Rule, value: float, unit: Unit) -> Band:
    """Where a finite ``value`` lies against ``rule``'s good band."""
    if rule.minimum <= value <= rule.maximum:
        return Band.IN
    edge = rule.minimum if value < rule.minimum else rule.maximum
    margin = NEAR_DEG if unit.is_angle else NEAR_FRACTION * abs(edge)
    return Band.NEAR if abs(value - edge) <= margin else Band.OUT


def judged_in(rule: Rule, phase: CoachPhase) -> bool:
    """Whether ``rule`` means anything in the checker's current phase."""
    rule_phase = RULE_PHASE.get(phase)
    if rule_phase is None:
        return False
    # An end-position rule is shown on the way there, so the user sees it turn green.
    return rule.applies_in(rule_phase) or (rule_phase is Phase.MOVING and Phase.END in rule.phases)


class _Scale:
    """Sizes for one image, from its height."""

    def __init__(self, image: ImageArray) -> None:
        self.k = int(image.shape[0]) / REFERENCE_HEIGHT

    def px(self, size: float) -> int:
        return max(1, round(size * self.k))

    def font(self, size: float) -> float:
        return size * self.k


def _visible(pose: Pose, landmark: Landmark) -> bool:
    return bool(pose.visibility[landmark] >= MIN_VISIBILITY and np.all(np.isfinite(pose.xy[landmark])))


def _point(pose: Pose, landmark: Landmark) -> tuple[int, int]:
    x, y = pose.xy[landmark]
    return round(float(x)), round(float(y))


def _text(canvas: ImageArray, text: str, org: tuple[int, int], scale: float, colour: Colour, thickness: int) -> None:
    """Text with a dark outline, readable on any background."""
    cv2.putText(canvas, text, org, FONT, scale, BLACK, thickness + 2, cv2.LINE_AA)
    cv2.putText(canvas, text, org, FONT, scale, colour, thickness, cv2.LINE_AA)


def _text_size(text: str, scale: float, thickness: int) -> tuple[int, int]:
    """The size ``_text`` draws, outline included."""
    (w, h), _ = cv2.getTextSize(text, FONT, scale, thickness + 2)
    return w, h


def _shade(canvas: ImageArray, x0: int, y0: int, x1: int, y1: int, alpha: float = 0.55) -> None:
    """Darken a box so text on it stays readable without hiding the video."""
    height, width = canvas.shape[:2]
    x0, x1 = max(0, x0), min(width, x1)
    y0, y1 = max(0, y0), min(height, y1)
    if x1 > x0 and y1 > y0:
        canvas[y0:y1, x0:x1] = (canvas[y0:y1, x0:x1] * (1.0 - alpha)).astype(np.uint8)


def annotate_skeleton(image: ImageArray, pose: Pose) -> ImageArray:
    """The skeleton's edges and joints, where both ends are visible."""
    canvas = image.copy()
    scale = _Scale(canvas)
    joints: set[Landmark] = set()
    for a, b in SKELETON_EDGES:
        if _visible(pose, a) and _visible(pose, b):
            cv2.line(canvas, _point(pose, a), _point(pose, b), WHITE, scale.px(2), cv2.LINE_AA)
            joints.update((a, b))
    for joint in joints:
        cv2.circle(canvas, _point(pose, joint), scale.px(4), GREY, -1, cv2.LINE_AA)
    return canvas


def _vertex(name: str, metrics: Metrics) -> Landmark | None:
    """The joint a measurement is drawn at; front_/back_ ones at the leg they stand for now."""
    vertex = MEASUREMENTS[name].vertex
    role, _, rest = name.partition("_")
    if vertex is None and role in ("front", "back") and metrics.front_side in SIDES:
        side = metrics.front_side if role == "front" else OTHER_SIDE[metrics.front_side]
        vertex = MEASUREMENTS[f"{side}_{rest}"].vertex
    return vertex


def _arc(canvas: ImageArray, pose: Pose, vertex: Landmark, radius: int, colour: Colour, thickness: int) -> None:
    """An arc at the joint between its two limbs (a full ring when a limb is not seen)."""
    side, part = vertex.name.lower().split("_", 1)
    centre = _point(pose, vertex)
    ends = [sided(side, p) for p in ARC_ENDS.get(part, ())]
    if len(ends) != 2 or not all(_visible(pose, e) for e in ends):
        cv2.circle(canvas, centre, radius, colour, thickness, cv2.LINE_AA)
        return
    (a1, a2) = (
        math.degrees(math.atan2(float(pose.xy[e][1] - pose.xy[vertex][1]), float(pose.xy[e][0] - pose.xy[vertex][0])))
        for e in ends
    )
    sweep = (a2 - a1) % 360.0
    start, end = (a1, a1 + sweep) if sweep <= 180.0 else (a2, a2 + 360.0 - sweep)  # the inner angle
    cv2.ellipse(canvas, centre, (radius, radius), 0.0, start, end, colour, thickness, cv2.LINE_AA)


def annotate_measurements(
    image: ImageArray, pose: Pose, metrics: Metrics, exercise: ExerciseDef, phase: CoachPhase
) -> ImageArray:
    """An arc and the value at each joint the (side-bound) exercise measures.

    Coloured by the worst of the rules on that measurement: green in the band, amber a
    little out (``NEAR_DEG`` or ``NEAR_FRACTION``), red further out; white when no rule
    judges it in the current phase.
    """
    canvas = image.copy()
    scale = _Scale(canvas)
    font, thickness = scale.font(0.7), scale.px(1.5)
    radius = scale.px(24)
    drawn_at: dict[Landmark, int] = {}
    severity = list(Band)  # IN < NEAR < OUT
    for name in exercise.metric_names():
        value = metrics.get(name)
        vertex = _vertex(name, metrics)
        if vertex is None or not math.isfinite(value) or not _visible(pose, vertex):
            continue
        unit = MEASUREMENTS[name].unit
        bands = [band_of(r, value, unit) for r in exercise.rules if r.metric == name and judged_in(r, phase)]
        colour = BAND_COLOURS[max(bands, key=severity.index)] if bands else WHITE
        _arc(canvas, pose, vertex, radius, colour, scale.px(3))
        label = unit.number(value)
        x, y = _point(pose, vertex)
        _, h = _text_size(label, font, thickness)
        row = drawn_at.get(vertex, 0)  # several measurements at one joint stack downward
        drawn_at[vertex] = row + 1
        org = (x + radius + scale.px(6), y + h // 2 + row * round(1.6 * h))
        _text(canvas, label, org, font, colour, thickness)
        if unit.is_angle:  # Hershey fonts have no degree sign: draw one
            w, _ = _text_size(label, font, thickness)
            ring = max(2, h // 4)
            cv2.circle(canvas, (org[0] + w + ring + 2, org[1] - h + ring), ring, colour, max(1, thickness // 2))
    return canvas


def _progress_lines(update: CheckerUpdate, exercise: ExerciseDef) -> list[str]:
    if exercise.kind is Kind.REPS and exercise.reps:
        return [f"Set {update.set_index}/{exercise.reps.sets}", f"Reps {update.rep_count}/{exercise.reps.target}"]
    if exercise.kind is Kind.HOLD and exercise.hold:
        return [f"Hold {update.hold_s:.0f}/{exercise.hold.min_s:g} s"]
    if exercise.cycles:
        return [f"Circles: {exercise.cycles.target} each way"]
    return []


def annotate_panel(image: ImageArray, update: CheckerUpdate, exercise: ExerciseDef) -> ImageArray:
    """Top left: the exercise, side, phase and progress (set, reps or hold seconds)."""
    canvas = image.copy()
    scale = _Scale(canvas)
    title_font, font, thickness = scale.font(0.8), scale.font(0.6), scale.px(1.5)
    lines = [(exercise.name, title_font)]
    if update.side in SIDES:
        lines.append((f"{update.side.capitalize()} side", font))
    lines += [(text, font) for text in [*_progress_lines(update, exercise), update.phase]]
    pad = scale.px(10)
    sizes = [_text_size(text, f, thickness) for text, f in lines]
    line_gap = scale.px(10)
    width = max(w for w, _ in sizes) + 2 * pad
    height = sum(h for _, h in sizes) + line_gap * (len(lines) - 1) + 2 * pad
    _shade(canvas, pad, pad, pad + width, pad + height)
    y = 2 * pad
    for (text, f), (_, h) in zip(lines, sizes, strict=True):
        y += h
        _text(canvas, text, (2 * pad, y), f, WHITE, thickness)
        y += line_gap
    return canvas


def annotate_hold_ring(image: ImageArray, held_s: float, target_s: float, paused: bool) -> ImageArray:
    """Top right, under the figures: a ring filling toward the hold's target seconds."""
    canvas = image.copy()
    scale = _Scale(canvas)
    radius, thickness = scale.px(40), scale.px(8)
    centre = (canvas.shape[1] - scale.px(20) - radius, scale.px(50) + radius)
    fraction = min(1.0, max(0.0, held_s / target_s)) if target_s > 0 else 1.0
    cv2.circle(canvas, centre, radius, GREY, thickness, cv2.LINE_AA)
    if fraction > 0:
        # From 12 o'clock, clockwise; amber while the clock is paused.
        cv2.ellipse(
            canvas, centre, (radius, radius), -90.0, 0.0, 360.0 * fraction, AMBER if paused else GREEN, thickness
        )
    label = f"{held_s:.0f}"
    font, text_thickness = scale.font(0.8), scale.px(2)
    w, h = _text_size(label, font, text_thickness)
    _text(canvas, label, (centre[0] - w // 2, centre[1] + h // 2), font, WHITE, text_thickness)
    return canvas


def _wrap(text: str, max_width: int, font: float, thickness: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and _text_size(candidate, font, thickness)[0] <= max_width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def annotate_cue(image: ImageArray, text: str) -> ImageArray:
    """The current cue along the bottom, wrapped to the image's width."""
    canvas = image.copy()
    if not text.strip():
        return canvas
    scale = _Scale(canvas)
    font, thickness = scale.font(0.9), scale.px(2)
    pad = scale.px(14)
    height, width = canvas.shape[:2]
    lines = _wrap(text, width - 2 * pad, font, thickness)
    line_height = round(1.5 * _text_size("Ag", font, thickness)[1])
    top = height - pad - len(lines) * line_height
    _shade(canvas, 0, top - pad, width, height)
    for i, line in enumerate(lines):
        w, _ = _text_size(line, font, thickness)
        _text(canvas, line, ((width - w) // 2, top + (i + 1) * line_height - line_height // 4), font, WHITE, thickness)
    return canvas


def annotate_view(image: ImageArray, view: CameraView | None, exercise: ExerciseDef) -> ImageArray:
    """Bottom right: the body seen from above (front up), where the camera stands on it and
    the range the exercise asks for, green inside and amber outside, with the offset."""
    canvas = image.copy()
    if view is None or not view.azimuth_known or exercise.view is View.ANY:
        return canvas
    scale = _Scale(canvas)
    height, width = canvas.shape[:2]
    radius = scale.px(60)
    centre = (width - scale.px(40) - radius, height - scale.px(150) - radius)
    _shade(canvas, centre[0] - radius - scale.px(20), centre[1] - radius - scale.px(20),
           centre[0] + radius + scale.px(20), centre[1] + radius + scale.px(50))  # fmt: skip
    offset = view_offset(exercise, view)
    inside = abs(offset) <= exercise.view_tolerance_deg + ESTIMATE_MARGIN_DEG
    colour = GREEN if inside else AMBER
    tolerance = exercise.view_tolerance_deg
    # OpenCV's angles run clockwise from +x; azimuth 0 (in front) is straight up on screen.
    for wanted in exercise.view.azimuths:
        cv2.ellipse(canvas, centre, (radius, radius), 0.0, wanted - tolerance - 90, wanted + tolerance - 90,
                    GREEN, scale.px(6), cv2.LINE_AA)  # fmt: skip
    cv2.circle(canvas, centre, radius, GREY, scale.px(1), cv2.LINE_AA)
    body = scale.px(14)
    cv2.ellipse(canvas, centre, (body, body // 2), 0.0, 0, 360, WHITE, scale.px(2), cv2.LINE_AA)  # shoulders
    cv2.line(canvas, centre, (centre[0], centre[1] - 2 * body), WHITE, scale.px(2), cv2.LINE_AA)  # facing
    angle = math.radians(view.azimuth_deg)
    camera = (round(centre[0] + radius * math.sin(angle)), round(centre[1] - radius * math.cos(angle)))
    cv2.circle(canvas, camera, scale.px(9), colour, -1, cv2.LINE_AA)
    label = f"camera {offset:+.0f} deg"  # the Hershey font has no degree sign
    font, thickness = scale.font(0.6), scale.px(1)
    w, _ = _text_size(label, font, thickness)
    _text(canvas, label, (centre[0] - w // 2, centre[1] + radius + scale.px(35)), font, colour, thickness)
    return canvas


def annotate_stats(image: ImageArray, fps: float, latency_ms: float) -> ImageArray:
    """Top right, small: frames per second and the camera-to-screen latency."""
    canvas = image.copy()
    scale = _Scale(canvas)
    font, thickness = scale.font(0.6), scale.px(1)
    label = f"{fps:.0f} fps  {latency_ms:.0f} ms"
    w, h = _text_size(label, font, thickness)
    _text(canvas, label, (canvas.shape[1] - scale.px(20) - w, scale.px(20) + h), font, WHITE, thickness)
    return canvas


def _display_sized(image: ImageArray) -> ImageArray:
    """``image``, shrunk to ``MAX_DRAW_HEIGHT`` if it is taller."""
    height, width = image.shape[:2]
    if height <= MAX_DRAW_HEIGHT:
        return image
    size = (round(width * MAX_DRAW_HEIGHT / height), MAX_DRAW_HEIGHT)
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_LINEAR), dtype=np.uint8)


def draw_rest(image: ImageArray, seconds_left: float, next_name: str) -> ImageArray:
    """A routine's rest: the camera picture dimmed, the whole seconds left and what is next."""
    canvas = _display_sized(image).copy()
    scale = _Scale(canvas)
    height, width = canvas.shape[:2]
    _shade(canvas, 0, 0, width, height, alpha=0.5)
    lines = [
        (f"Rest  {max(0, math.ceil(seconds_left))} s", scale.font(2.0), scale.px(4)),
        (f"Next: {next_name}", scale.font(1.0), scale.px(2)),
    ]
    y = height // 2 - scale.px(20)
    for text, font, thickness in lines:
        w, h = _text_size(text, font, thickness)
        _text(canvas, text, ((width - w) // 2, y), font, WHITE, thickness)
        y += h + scale.px(30)
    return annotate_cue(canvas, "n: end the rest    q: stop")


def draw_overlay(
    image: ImageArray,
    pose: Pose | None,
    metrics: Metrics,
    update: CheckerUpdate,
    exercise: ExerciseDef,
    cue_text: str,
    fps: float,
    latency_ms: float,
) -> ImageArray:
    """Everything the coach shows for one frame, on a copy of ``image``.

    Frames taller than ``MAX_DRAW_HEIGHT`` are drawn at that height (it is what a screen
    shows anyway, and drawing on 1080p frames would cost the live loop); the pose is scaled
    to whatever image it is drawn on (the recorded video may be smaller than the camera's).
    """
    bound = exercise.for_side(update.side)
    canvas = _display_sized(image)
    height, width = canvas.shape[:2]
    if pose is not None and pose.image_wh != (width, height):
        scale = np.array([width / pose.image_wh[0], height / pose.image_wh[1]])
        pose = replace(pose, xy=pose.xy * scale, image_wh=(width, height))
    if pose is not None:
        canvas = annotate_skeleton(canvas, pose)
        canvas = annotate_measurements(canvas, pose, metrics, bound, update.phase)
    canvas = annotate_panel(canvas, update, bound)
    if update.phase is CoachPhase.SETUP or view_problem(bound, metrics.view):
        canvas = annotate_view(canvas, metrics.view, bound)
    if bound.hold is not None:
        canvas = annotate_hold_ring(canvas, update.hold_s, bound.hold.min_s, update.phase is CoachPhase.POSITION)
    canvas = annotate_stats(canvas, fps, latency_ms)
    return annotate_cue(canvas, cue_text)
