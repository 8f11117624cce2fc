"""The overlay: draws on a copy, at any frame size, in the colours of the rule bands."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import cv2
import numpy as np
import pytest

from formcoach.exercises.loader import find_exercise
from formcoach.exercises.schema import ExerciseDef, Phase, Rule
from formcoach.feedback.overlay import (
    AMBER,
    GREEN,
    MAX_DRAW_HEIGHT,
    RED,
    WHITE,
    Band,
    annotate_cue,
    annotate_hold_ring,
    annotate_measurements,
    annotate_panel,
    annotate_skeleton,
    annotate_stats,
    annotate_view,
    band_of,
    draw_overlay,
    draw_rest,
    judged_in,
)
from formcoach.landmarks import NUM_LANDMARKS, Landmark
from formcoach.measurements import Unit, measure
from formcoach.types import CheckerUpdate, CoachPhase, ImageArray, Metrics, Pose
from formcoach.view import CameraView, Posture

SIZES = [(768, 432), (1280, 720), (1920, 1080)]
LONG_CUE = "Go lower, until your front knee is at 90 degrees. Keep your torso upright as you push back up."


def lunge_pose(width: int, height: int, front_knee_flexion: float = 80.0) -> Pose:
    """A side-on lunge facing right (image +x), scaled to the frame; the left leg in front."""
    k = height / 720
    hip = np.array([640.0, 400.0])
    knee = hip + np.array([150.0, 0.0])  # front thigh horizontal
    shin = math.radians(front_knee_flexion)  # flexion measured from the thigh's line
    ankle = knee + 170.0 * np.array([math.cos(shin), math.sin(shin)])
    points = {
        Landmark.NOSE: (700, 130),
        Landmark.LEFT_SHOULDER: (640, 200),
        Landmark.RIGHT_SHOULDER: (645, 205),
        Landmark.LEFT_ELBOW: (650, 300),
        Landmark.RIGHT_ELBOW: (655, 300),
        Landmark.LEFT_WRIST: (660, 380),
        Landmark.RIGHT_WRIST: (665, 380),
        Landmark.LEFT_HIP: tuple(hip),
        Landmark.RIGHT_HIP: (645, 405),
        Landmark.LEFT_KNEE: tuple(knee),
        Landmark.RIGHT_KNEE: (600, 560),
        Landmark.LEFT_ANKLE: tuple(ankle),
        Landmark.RIGHT_ANKLE: (480, 580),
        Landmark.LEFT_HEEL: tuple(ankle + np.array([-15.0, 15.0])),
        Landmark.RIGHT_HEEL: (465, 590),
        Landmark.LEFT_FOOT_INDEX: tuple(ankle + np.array([40.0, 20.0])),
        Landmark.RIGHT_FOOT_INDEX: (470, 620),
    }
    xy = np.zeros((NUM_LANDMARKS, 2))
    visibility = np.zeros(NUM_LANDMARKS)
    for landmark, (x, y) in points.items():
        xy[landmark] = (x * k, y * k)
        visibility[landmark] = 0.95
    return Pose(0.0, 0, xy, visibility, (width, height))


def frame(width: int, height: int) -> ImageArray:
    rng = np.random.default_rng(width)
    return rng.integers(40, 200, size=(height, width, 3), dtype=np.uint8)


def update(phase: CoachPhase, exercise: str = "lunge", hold_s: float = 0.0) -> CheckerUpdate:
    return CheckerUpdate(1.0, 30, exercise, "left", phase, 3, 1, hold_s, (), ())


def lunge_metrics(pose: Pose) -> Metrics:
    return measure(pose, find_exercise("lunge").for_side("left").metric_names(), 1.0, 30)


def pixels_of(image: ImageArray, colour: tuple[int, int, int]) -> int:
    return int(np.all(image == np.array(colour, dtype=np.uint8), axis=-1).sum())


def changed_box(before: ImageArray, after: ImageArray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(np.any(before != after, axis=-1))
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


KNEE_90 = Rule("front_knee_90", "front_knee_flexion", (Phase.END,), minimum=70.0, maximum=110.0, target=90.0)
TORSO = Rule("torso_upright", "trunk_lean", (Phase.END,), maximum=20.0)
GAP = Rule("knee_gap", "knee_gap", (Phase.ANY,), minimum=0.8, maximum=1.5)


def lunge_with_fixed_rules() -> ExerciseDef:
    """The lunge, with rules fixed here so that re-tuning its file does not move these tests."""
    return replace(find_exercise("lunge"), rules=(KNEE_90, TORSO)).for_side("left")


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_draw_overlay_returns_a_new_image_and_leaves_the_input_alone(width: int, height: int) -> None:
    image = frame(width, height)
    original = image.copy()
    pose = lunge_pose(width, height)
    out = draw_overlay(
        image, pose, lunge_metrics(pose), update(CoachPhase.MOVING), find_exercise("lunge"), LONG_CUE, 29.7, 48.0
    )
    # Frames taller than 720 are drawn at 720 (what a screen shows); others keep their size.
    expected_height = min(height, MAX_DRAW_HEIGHT)
    assert out.shape == (expected_height, round(width * expected_height / height), 3) and out.dtype == np.uint8
    assert out is not image
    assert np.array_equal(image, original)
    if out.shape != image.shape:
        image = cv2.resize(image, (out.shape[1], out.shape[0]), interpolation=cv2.INTER_LINEAR)
    changed = np.any(out != image, axis=-1).mean()
    assert 0.05 < changed < 0.6, changed  # panel, skeleton and cue band drawn; most of the video still shows


POSE_720 = lunge_pose(1280, 720)
ANNOTATORS: list[Callable[[ImageArray], ImageArray]] = [
    lambda image: annotate_skeleton(image, POSE_720),
    lambda image: annotate_measurements(
        image, POSE_720, lunge_metrics(POSE_720), lunge_with_fixed_rules(), CoachPhase.END
    ),
    lambda image: annotate_panel(image, update(CoachPhase.START), find_exercise("lunge")),
    lambda image: annotate_hold_ring(image, 12.0, 60.0, paused=False),
    lambda image: annotate_cue(image, LONG_CUE),
    lambda image: annotate_stats(image, 30.0, 45.0),
]


@pytest.mark.parametrize("annotate", ANNOTATORS)
def test_every_annotator_draws_on_a_copy(annotate: Callable[[ImageArray], ImageArray]) -> None:
    image = frame(1280, 720)
    original = image.copy()
    out = annotate(image)
    assert np.array_equal(image, original)
    assert out.shape == image.shape and np.any(out != image)


def test_without_a_pose_the_panel_and_cue_are_still_drawn() -> None:
    image = frame(1280, 720)
    metrics = Metrics(1.0, 30, {}, visible=False)
    out = draw_overlay(
        image, None, metrics, update(CoachPhase.SETUP), find_exercise("lunge"), "Step into view.", 30.0, 40.0
    )
    assert np.any(out[:100, :200] != image[:100, :200])  # panel
    assert np.any(out[-60:] != image[-60:])  # cue
    assert np.array_equal(out[250:500, 500:900], image[250:500, 500:900])  # no skeleton


@pytest.mark.parametrize(
    ("rule", "value", "unit", "expected"),
    [
        (KNEE_90, 90.0, Unit.DEG, Band.IN),
        (KNEE_90, 70.0, Unit.DEG, Band.IN),
        (KNEE_90, 65.0, Unit.DEG, Band.NEAR),
        (KNEE_90, 60.0, Unit.DEG, Band.NEAR),
        (KNEE_90, 59.9, Unit.DEG, Band.OUT),
        (KNEE_90, 119.0, Unit.DEG, Band.NEAR),
        (KNEE_90, 121.0, Unit.DEG, Band.OUT),
        (GAP, 1.6, Unit.HIP_WIDTHS, Band.NEAR),  # within 10 % of 1.5
        (GAP, 1.7, Unit.HIP_WIDTHS, Band.OUT),
        (GAP, 0.75, Unit.HIP_WIDTHS, Band.NEAR),  # within 10 % of 0.8
        (GAP, 0.7, Unit.HIP_WIDTHS, Band.OUT),
    ],
)
def test_band_of(rule: Rule, value: float, unit: Unit, expected: Band) -> None:
    assert band_of(rule, value, unit) is expected


@pytest.mark.parametrize(
    ("phase", "expected"),
    [
        (CoachPhase.SETUP, False),
        (CoachPhase.START, False),
        (CoachPhase.MOVING, True),
        (CoachPhase.END, True),
        (CoachPhase.REST, False),
        (CoachPhase.DONE, False),
    ],
)
def test_end_rules_are_judged_on_the_way_down_and_at_the_bottom_only(phase: CoachPhase, expected: bool) -> None:
    assert judged_in(KNEE_90, phase) is expected


@pytest.mark.parametrize(
    ("flexion", "phase", "colour"),
    [
        (88.0, CoachPhase.END, GREEN),
        (63.0, CoachPhase.MOVING, AMBER),
        (40.0, CoachPhase.END, RED),
        (40.0, CoachPhase.START, WHITE),
    ],
)
def test_the_knee_arc_takes_the_colour_of_the_band(
    flexion: float, phase: CoachPhase, colour: tuple[int, int, int]
) -> None:
    exercise = lunge_with_fixed_rules()
    pose = lunge_pose(1280, 720, flexion)
    metrics = measure(pose, exercise.metric_names(), 1.0, 30)
    assert metrics.get("front_knee_flexion") == pytest.approx(flexion, abs=0.5)
    image = np.full((720, 1280, 3), 90, np.uint8)
    out = annotate_measurements(image, pose, metrics, exercise, phase)
    knee = pose.xy[Landmark.LEFT_KNEE].round().astype(int)
    around_knee = out[knee[1] - 60 : knee[1] + 60, knee[0] - 60 : knee[0] + 140]
    assert pixels_of(around_knee, colour) > 80
    others = {GREEN, AMBER, RED, WHITE} - {colour}
    assert all(pixels_of(out, other) == 0 for other in others)
    # trunk_lean has no joint to draw at: nothing else on the image changed.
    x0, y0, x1, y1 = changed_box(image, out)
    assert knee[0] - 30 <= x0 and x1 <= knee[0] + 140 and knee[1] - 40 <= y0 and y1 <= knee[1] + 40


def test_sizes_scale_with_the_frame_height() -> None:
    boxes = {}
    for width, height in [(1280, 720), (1920, 1080)]:
        image = np.full((height, width, 3), 120, np.uint8)
        out = annotate_panel(image, update(CoachPhase.MOVING), find_exercise("lunge").for_side("left"))
        x0, y0, x1, y1 = changed_box(image, out)
        boxes[height] = (x1 - x0, y1 - y0)
    assert boxes[1080][0] / boxes[720][0] == pytest.approx(1.5, rel=0.06)
    assert boxes[1080][1] / boxes[720][1] == pytest.approx(1.5, rel=0.06)


def test_long_cues_wrap_onto_more_lines_within_the_frame() -> None:
    image = np.full((432, 768, 3), 120, np.uint8)
    one_line = changed_box(image, annotate_cue(image, "One"))
    out = annotate_cue(image, f"{LONG_CUE} {LONG_CUE} {LONG_CUE}")  # about 2,100 px of text at 432p
    three_lines = changed_box(image, out)
    assert one_line[3] == three_lines[3] == 431  # both along the bottom edge
    assert 40 <= one_line[1] - three_lines[1] <= 50  # two more lines of about 22 px
    _, text_x = np.nonzero(np.all(out > 200, axis=-1))
    assert text_x.min() >= 8 and text_x.max() <= 768 - 8  # inside the margins
    assert np.array_equal(annotate_cue(image, "  "), image)


def test_hold_ring_fills_with_the_held_fraction() -> None:
    image = np.full((720, 1280, 3), 90, np.uint8)
    quarter = pixels_of(annotate_hold_ring(image, 15.0, 60.0, paused=False), GREEN)
    half = pixels_of(annotate_hold_ring(image, 30.0, 60.0, paused=False), GREEN)
    full = pixels_of(annotate_hold_ring(image, 90.0, 60.0, paused=False), GREEN)
    assert half / quarter == pytest.approx(2.0, rel=0.15)
    assert full / quarter == pytest.approx(4.0, rel=0.15)
    assert pixels_of(annotate_hold_ring(image, 30.0, 60.0, paused=True), AMBER) == pytest.approx(half, rel=0.05)


def test_rest_screen_dims_the_picture_and_writes_the_countdown_at_screen_size() -> None:
    image = np.full((1080, 1920, 3), 200, dtype=np.uint8)
    rest = draw_rest(image, 7.2, "Couch stretch")
    assert rest.shape == (720, 1280, 3)
    assert (image == 200).all()  # the input is left alone
    corner = rest[:100, :100]
    assert (corner == 100).all()  # dimmed by half where nothing is written
    centre = rest[260:460, 320:960]
    assert (centre == WHITE[0]).sum() > 2000  # white text: "Rest  8 s" and "Next: Couch stretch"


@pytest.mark.parametrize(("azimuth", "inside"), [(80.0, True), (-100.0, True), (10.0, False)])
def test_view_compass_puts_the_camera_where_it_stands(azimuth: float, inside: bool) -> None:
    # The couch stretch wants a side view (±45°): the camera dot sits on the circle at its
    # azimuth (front up, the body's right to the right), green inside the range, amber outside.
    image = np.full((720, 1280, 3), 90, dtype=np.uint8)
    out = annotate_view(image, CameraView(Posture.UPRIGHT, azimuth, 5.0), find_exercise("couch_stretch"))
    colour = GREEN if inside else AMBER
    cx, cy, radius = 1280 - 40 - 60, 720 - 150 - 60, 60  # the compass at 720p
    dot_x = cx + radius * math.sin(math.radians(azimuth))
    dot_y = cy - radius * math.cos(math.radians(azimuth))
    ys, xs = np.nonzero(np.all(out == np.array(colour, dtype=np.uint8), axis=-1))
    on_dot = np.hypot(xs - dot_x, ys - dot_y) <= 8
    assert on_dot.sum() > 180  # a filled disc there (the range's arc alone covers ~100 px of it)
    unchanged = annotate_view(image, CameraView(Posture.UPRIGHT, azimuth, 5.0), find_exercise("lunge"))
    assert np.array_equal(unchanged, image)  # the lunge takes any view: nothing to show
