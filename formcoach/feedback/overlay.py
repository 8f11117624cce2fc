"""What the coach draws on each frame: the body (skeleton, each judged measurement at its
joint in the colour of the checker's verdict, the trunk's lean), the camera compass, and the
heads-up parts from ``hud``.

Colours come from the checker's own verdicts (``CheckerUpdate.rule_results``), never from the
overlay judging bands again: green kept, red broken, white when the rule is not judged in this
phase. There is no amber "near the edge": landmark noise swings 2-D angles by 5–10° near a
threshold (PITFALLS.md), so a margin inside the band would flicker on every steady rep; the
number beside the joint already says how close it is. Amber means "the clock is stopped".

Frames are drawn at ``DRAW_HEIGHT`` (what a screen shows, at a fraction of 1080p's cost; small
frames scaled up so the text stays sharp), and the window scales that to its own size.
"""

from __future__ import annotations

import math
from dataclasses import replace

import cv2
import numpy as np

from formcoach.checkers.setup import (
    ESTIMATE_MARGIN_DEG,
    POSTURE_WORDS,
    PostureChange,
    posture_change,
    view_offset,
    view_problem,
)
from formcoach.exercises.schema import ExerciseDef, View
from formcoach.feedback import hud
from formcoach.feedback.anchors import anchor, base_name, label
from formcoach.feedback.paint import AMBER, BLACK, GREEN, GREY, RED, WHITE, Scale, arrow, boxed, dim, shade
from formcoach.feedback.state import ScreenState, Verdict
from formcoach.feedback.text import Colour, put, text_width
from formcoach.landmarks import SKELETON_EDGES, Landmark, sided
from formcoach.measurements import MEASUREMENTS, MIN_VISIBILITY, measure
from formcoach.types import CoachPhase, ImageArray, Metrics, Pose, Step
from formcoach.view import CameraView, wrap_deg

DRAW_HEIGHT = 720
# The two limbs that meet at a joint, for the arc drawn there.
ARC_ENDS = {"knee": ("hip", "ankle"), "hip": ("shoulder", "knee"), "ankle": ("knee", "foot_index")}
LABEL_PX = 26


def _visible(pose: Pose, landmark: Landmark) -> bool:
    return bool(pose.visibility[landmark] >= MIN_VISIBILITY and np.all(np.isfinite(pose.xy[landmark])))


def _point(pose: Pose, landmark: Landmark) -> tuple[int, int]:
    x, y = pose.xy[landmark]
    return round(float(x)), round(float(y))


def _skeleton(canvas: ImageArray, pose: Pose) -> None:
    scale = Scale(canvas)
    joints: set[Landmark] = set()
    for a, b in SKELETON_EDGES:
        if _visible(pose, a) and _visible(pose, b):
            cv2.line(canvas, _point(pose, a), _point(pose, b), WHITE, scale.px(3), cv2.LINE_AA)
            joints.update((a, b))
    for joint in joints:
        cv2.circle(canvas, _point(pose, joint), scale.px(5), GREY, -1, cv2.LINE_AA)


def annotate_skeleton(image: ImageArray, pose: Pose) -> ImageArray:
    """The skeleton's edges and joints, where both ends are visible, on a copy."""
    canvas = image.copy()
    _skeleton(canvas, pose)
    return canvas


def _limb_ends(pose: Pose, vertex: Landmark) -> tuple[Landmark, Landmark] | None:
    """The far ends of the two limbs meeting at a joint (nearer the trunk first), when both are seen."""
    side, part = vertex.name.lower().split("_", 1)
    ends = [sided(side, p) for p in ARC_ENDS.get(part, ())]
    if len(ends) != 2 or not all(_visible(pose, e) for e in ends):
        return None
    return ends[0], ends[1]


def _direction_deg(pose: Pose, vertex: Landmark, end: Landmark) -> float:
    """The image direction from ``vertex`` to ``end`` (OpenCV's: clockwise from +x)."""
    dx, dy = pose.xy[end] - pose.xy[vertex]
    return math.degrees(math.atan2(float(dy), float(dx)))


def _arc(canvas: ImageArray, pose: Pose, vertex: Landmark, radius: int, colour: Colour, width: int) -> None:
    """An arc at the joint between its two limbs (a full ring when a limb is not seen)."""
    centre = _point(pose, vertex)
    ends = _limb_ends(pose, vertex)
    if ends is None:
        cv2.circle(canvas, centre, radius, colour, width, cv2.LINE_AA)
        return
    a1, a2 = (_direction_deg(pose, vertex, end) for end in ends)
    sweep = (a2 - a1) % 360.0
    start, end = (a1, a1 + sweep) if sweep <= 180.0 else (a2, a2 + 360.0 - sweep)  # the inner angle
    cv2.ellipse(canvas, centre, (radius, radius), 0.0, start, end, colour, width, cv2.LINE_AA)


def _trunk(canvas: ImageArray, pose: Pose, colour: Colour) -> None:
    """Trunk lean: the mid-hip → mid-shoulder line against a dashed vertical."""
    hips = [sided(s, "hip") for s in ("left", "right")]
    shoulders = [sided(s, "shoulder") for s in ("left", "right")]
    if not all(_visible(pose, lm) for lm in hips + shoulders):
        return
    scale = Scale(canvas)
    hip = np.mean([pose.xy[lm] for lm in hips], axis=0)
    shoulder = np.mean([pose.xy[lm] for lm in shoulders], axis=0)
    length = float(np.linalg.norm(shoulder - hip))
    for k in range(0, 8, 2):  # dashes up from the hip: the upright the lean is measured from
        y0, y1 = hip[1] - length * k / 8, hip[1] - length * (k + 1) / 8
        cv2.line(canvas, (round(hip[0]), round(y0)), (round(hip[0]), round(y1)), GREY, scale.px(2), cv2.LINE_AA)
    ends = (round(hip[0]), round(hip[1])), (round(shoulder[0]), round(shoulder[1]))
    cv2.line(canvas, *ends, colour, scale.px(5), cv2.LINE_AA)


def verdict_colour(verdict: Verdict | None) -> Colour:
    return WHITE if verdict is None else GREEN if verdict.ok else RED


def annotate_measurements(
    image: ImageArray, pose: Pose, metrics: Metrics, exercise: ExerciseDef, verdicts: tuple[Verdict, ...]
) -> ImageArray:
    """Each measurement the (side-bound) exercise's rules judge, at its joint, labelled, in the
    colour of the checker's verdict (white: not judged now), on a copy of ``image``."""
    canvas = image.copy()
    _measurements(canvas, pose, metrics, exercise, verdicts)
    return canvas


def _measurements(
    canvas: ImageArray, pose: Pose, metrics: Metrics, exercise: ExerciseDef, verdicts: tuple[Verdict, ...]
) -> None:
    scale = Scale(canvas)
    px, radius = scale.px(LABEL_PX), scale.px(26)
    by_metric: dict[str, Verdict] = {}
    for shown in verdicts:  # a broken rule outranks a kept one on the same measurement
        if shown.metric not in by_metric or not shown.ok:
            by_metric[shown.metric] = shown
    rows: dict[tuple[int, int], int] = {}
    for name in dict.fromkeys(rule.metric for rule in exercise.rules):
        verdict = by_metric.get(name)
        value = verdict.value if verdict is not None and verdict.last_rep else metrics.get(name)
        place = anchor(name, pose, metrics)
        if place is None or not math.isfinite(value):
            continue
        colour = verdict_colour(verdict)
        if name.removesuffix("_3d") == "trunk_lean":
            _trunk(canvas, pose, colour)
        elif place.vertex is not None:
            _arc(canvas, pose, place.vertex, radius, colour, scale.px(5))
        row = rows.get(place.point, 0)  # several measurements at one joint stack downward
        rows[place.point] = row + 1
        text = f"{label(name)} {hud.number(name, value)}"
        x, y = place.point[0] + radius + scale.px(8), place.point[1] - px // 2 + row * round(1.5 * px)
        x = min(x, canvas.shape[1] - text_width(text, px) - scale.px(12))
        boxed(canvas, text, x, y, px, colour)


def _curved_arrow(
    canvas: ImageArray, centre: tuple[int, int], radius: int, start_deg: float, end_deg: float, width: int
) -> None:
    """An amber arrow along a circle round ``centre``, from ``start_deg`` to ``end_deg``
    (OpenCV's angles: clockwise from +x)."""
    angles = np.radians(np.linspace(start_deg, end_deg, 24))
    points = np.stack([centre[0] + radius * np.cos(angles), centre[1] + radius * np.sin(angles)], axis=1)
    cv2.polylines(
        canvas, [np.round(points[:-1]).astype(np.int32)], False, BLACK, width + max(2, width // 2), cv2.LINE_AA
    )
    cv2.polylines(canvas, [np.round(points[:-1]).astype(np.int32)], False, AMBER, width, cv2.LINE_AA)
    # The head: a triangle three line-widths long on the arc's last step, edged dark like ``arrow``.
    ahead = (points[-1] - points[-2]) / max(1e-9, float(np.linalg.norm(points[-1] - points[-2])))
    across = np.array([-ahead[1], ahead[0]])
    for colour, size in ((BLACK, 3.6 * width), (AMBER, 3.0 * width)):
        tip, base = points[-1] + ahead * size / 2, points[-1] - ahead * size / 2
        head = np.array([tip, base + across * size * 0.6, base - across * size * 0.6])
        cv2.fillConvexPoly(canvas, np.round(head).astype(np.int32), colour, cv2.LINE_AA)


def _camera_arrow(canvas: ImageArray, centre: tuple[int, int], radius: int, azimuth: float, offset: float) -> None:
    """Along the compass ring, from the camera toward the range the exercise asks for."""
    # Azimuth 0 (in front) is straight up on screen: OpenCV's -90°.
    start = azimuth - 90.0
    scale = Scale(canvas)
    _curved_arrow(canvas, centre, radius + scale.px(16), start, start - offset * 0.8, scale.px(5))


def _compass(canvas: ImageArray, view: CameraView | None, exercise: ExerciseDef) -> None:
    """Bottom right: the body seen from above (front up), where the camera stands on it, the
    range the exercise asks for in green, and an arrow the way to bring the camera into it."""
    if view is None or not view.azimuth_known or exercise.view is View.ANY:
        return
    scale = Scale(canvas)
    height, width = canvas.shape[:2]
    radius = scale.px(60)
    centre = (width - scale.px(50) - radius, height - scale.px(190) - radius)
    pad = scale.px(30)
    shade(canvas, centre[0] - radius - pad, centre[1] - radius - pad, centre[0] + radius + pad,
          centre[1] + radius + pad + scale.px(34))  # fmt: skip
    offset = view_offset(exercise, view)
    outside = abs(offset) > exercise.view_tolerance_deg + ESTIMATE_MARGIN_DEG
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
    cv2.circle(canvas, camera, scale.px(9), AMBER if outside else GREEN, -1, cv2.LINE_AA)
    if outside:
        _camera_arrow(canvas, centre, radius, view.azimuth_deg, offset)
    text = f"camera {offset:+z.0f}°"
    px = scale.px(22)
    put(canvas, text, centre[0] - text_width(text, px) // 2, centre[1] + radius + scale.px(8), px, WHITE)


def annotate_view(image: ImageArray, view: CameraView | None, exercise: ExerciseDef) -> ImageArray:
    """The camera compass (see ``_compass``) on a copy of ``image``."""
    canvas = image.copy()
    _compass(canvas, view, exercise)
    return canvas


def _edge_arrows(canvas: ImageArray, pose: Pose, parts: tuple[str, ...]) -> None:
    """Setup: at each edge of the picture a needed body part lies beyond, an arrow pointing in,
    the way to bring it into the picture."""
    height, width = canvas.shape[:2]
    scale = Scale(canvas)
    length, inset = scale.px(90), scale.px(20)
    edges: set[str] = set()
    for part in parts:
        for side in ("left", "right"):
            x, y = pose.xy[sided(side, part)]
            beyond = (("left", x < 0), ("right", x > width), ("top", y < 0), ("bottom", y > height))
            edges |= {edge for edge, out in beyond if out}
    ends = {
        "bottom": ((width // 2, height - inset - scale.px(110)), (0, -1)),
        "top": ((width // 2, inset), (0, 1)),
        "left": ((inset, height // 2), (1, 0)),
        "right": ((width - inset, height // 2), (-1, 0)),
    }
    for edge in sorted(edges):
        (x0, y0), (dx, dy) = ends[edge]
        arrow(canvas, (x0, y0), (x0 + dx * length, y0 + dy * length), AMBER, scale.px(10))


def _posture_arrow(canvas: ImageArray, change: PostureChange) -> None:
    """Setup: a tall arrow left of the hint (the right holds the count and the compass), down
    to lie down, up to get up."""
    height, width = canvas.shape[:2]
    scale = Scale(canvas)
    top, bottom = height // 2 - scale.px(200), height // 2 + scale.px(100)
    tail, head = (top, bottom) if change is PostureChange.LIE_DOWN else (bottom, top)
    x = round(width * 0.08)
    arrow(canvas, (x, tail), (x, head), AMBER, scale.px(16))


BEND_PROBE_DEG = 10.0  # how far the limb is turned to see which way the measurement goes
BEND_SWEEP_DEG = 60.0  # the bend arrow's length round the joint


def _closing_raises(pose: Pose, metric: str, vertex: Landmark, ends: tuple[Landmark, Landmark]) -> bool | None:
    """Whether closing the joint (its far limb turned toward the near one) raises ``metric``:
    the measurement itself says, taken on the pose with the limb turned a little (on the image;
    a world twin goes the same way). None when it does not move."""
    name = base_name(metric)
    if name not in MEASUREMENTS:
        return None
    near, far = (_direction_deg(pose, vertex, end) for end in ends)
    turn = math.radians(math.copysign(BEND_PROBE_DEG, wrap_deg(near - far)))
    rotation = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    xy = pose.xy.copy()
    xy[ends[1]] = pose.xy[vertex] + rotation @ (pose.xy[ends[1]] - pose.xy[vertex])
    flat = replace(pose, world=None)
    before, after = (measure(p, (name,), pose.t, pose.frame_index).get(name) for p in (flat, replace(flat, xy=xy)))
    if not (math.isfinite(before) and math.isfinite(after)) or after == before:
        return None
    return after > before


def _bend_arrow(canvas: ImageArray, pose: Pose, metrics: Metrics, exercise: ExerciseDef, hint: str) -> None:
    """Setup: for the exercise's own condition on a joint's angle ("Bend your knees…") while its
    hint is on screen, a curved arrow at that joint the way that brings the angle into range."""
    for condition in exercise.setup.conditions:
        value = metrics.get(condition.metric)
        if condition.hint != hint or not math.isfinite(value):
            continue
        place = anchor(condition.metric, pose, metrics)
        ends = _limb_ends(pose, place.vertex) if place is not None and place.vertex is not None else None
        if place is None or place.vertex is None or ends is None or condition.minimum <= value <= condition.maximum:
            return
        raises = _closing_raises(pose, condition.metric, place.vertex, ends)
        if raises is None:
            return
        near, far = (_direction_deg(pose, place.vertex, end) for end in ends)
        toward_near = math.copysign(1.0, wrap_deg(near - far))
        sweep = BEND_SWEEP_DEG * toward_near * (1.0 if raises == (value < condition.minimum) else -1.0)
        scale = Scale(canvas)
        _curved_arrow(canvas, place.point, scale.px(80), far, far + sweep, scale.px(10))
        return


def _setup(canvas: ImageArray, pose: Pose | None, metrics: Metrics, exercise: ExerciseDef, hint: str) -> None:
    if pose is not None and not all(p in metrics.parts_in_frame for p in exercise.setup.parts):
        _edge_arrows(canvas, pose, exercise.setup.parts)
    if pose is not None:
        _bend_arrow(canvas, pose, metrics, exercise, hint)
    change = posture_change(exercise, metrics.view)
    if change is not None and hint == POSTURE_WORDS[change]:  # the arrow goes with the words on screen
        _posture_arrow(canvas, change)
    hud.draw_setup(canvas, hint)


def display_sized(image: ImageArray) -> ImageArray:
    """``image`` scaled to ``DRAW_HEIGHT`` (a new array; the input is left alone)."""
    height, width = image.shape[:2]
    if height == DRAW_HEIGHT:
        return image.copy()
    size = (round(width * DRAW_HEIGHT / height), DRAW_HEIGHT)
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_LINEAR), dtype=np.uint8)


def draw_rest(image: ImageArray, seconds_left: float, next_name: str) -> ImageArray:
    """A routine's rest: the camera picture dimmed, the whole seconds left and what is next."""
    canvas = dim(display_sized(image), 0.5)
    scale = Scale(canvas)
    height, width = canvas.shape[:2]
    y = height // 2 - scale.px(140)
    lines = ((f"Rest {max(0, math.ceil(seconds_left))} s", scale.px(120)), (f"Next: {next_name}", scale.px(48)))
    for text, px in lines:
        put(canvas, text, (width - text_width(text, px)) // 2, y, px, WHITE)
        y += round(1.3 * px)
    hud.draw_cue(canvas, "n: end the rest    q: stop")
    return canvas


def _scaled_pose(pose: Pose | None, width: int, height: int) -> Pose | None:
    """The pose in the drawn image's pixels (the recorded video may be smaller than the camera's)."""
    if pose is None or pose.image_wh == (width, height):
        return pose
    scale = np.array([width / pose.image_wh[0], height / pose.image_wh[1]])
    return replace(pose, xy=pose.xy * scale, image_wh=(width, height))


def draw_overlay(image: ImageArray, step: Step, exercise: ExerciseDef, screen: ScreenState) -> ImageArray:
    """Everything the coach shows for one step, on a copy of ``image`` at ``DRAW_HEIGHT``."""
    update, metrics = step.update, step.metrics
    bound = exercise.for_side(update.side)
    canvas = display_sized(image)
    pose = _scaled_pose(step.pose, canvas.shape[1], canvas.shape[0])
    if pose is not None:
        _skeleton(canvas, pose)
        _measurements(canvas, pose, metrics, bound, screen.verdicts)
    hud.draw_title(canvas, update, bound)
    count_bottom = hud.draw_count(canvas, update, bound)
    spec = hud.gauge_spec(bound)
    if spec is not None and update.phase is not CoachPhase.SETUP:
        hud.draw_gauge(canvas, spec, metrics.get(spec.metric))
    if update.phase is CoachPhase.SETUP or view_problem(bound, metrics.view):
        _compass(canvas, metrics.view, bound)
    if update.phase is CoachPhase.SETUP:
        _setup(canvas, pose, metrics, bound, screen.setup_hint)
    if screen.readout is not None:
        hud.draw_readout(canvas, screen.readout, count_bottom)
    if not (update.phase is CoachPhase.SETUP and screen.cue == screen.setup_hint):  # said once, in the setup box
        hud.draw_cue(canvas, screen.cue)
    return hud.draw_paused(canvas) if screen.paused else canvas
