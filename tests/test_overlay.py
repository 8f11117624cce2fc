"""The live screen's drawing: at 720p whatever the frame, measurements in the colours of the
checker's own verdicts, the count the largest thing on screen, the gauge, paused and setup."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from formcoach.exercises.loader import find_exercise, load_library
from formcoach.exercises.schema import BOTH, Condition, ExerciseDef, Phase, Rule
from formcoach.feedback.anchors import anchor, label
from formcoach.feedback.hud import draw_gauge, draw_paused, gauge_spec
from formcoach.feedback.overlay import (
    DRAW_HEIGHT,
    annotate_measurements,
    annotate_skeleton,
    annotate_view,
    draw_overlay,
    draw_rest,
)
from formcoach.feedback.paint import AMBER, GREEN, RED, WHITE
from formcoach.feedback.state import REP_VERDICT_S, Readout, ScreenState, ScreenTrack, Verdict, VerdictMemory
from formcoach.feedback.text import render
from formcoach.landmarks import NUM_LANDMARKS, Landmark
from formcoach.measurements import measure
from formcoach.types import (
    CheckerUpdate,
    CoachPhase,
    Event,
    EventKind,
    Frame,
    ImageArray,
    Metrics,
    Pose,
    RuleResult,
    Step,
)
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


def lunge_with_fixed_rules() -> ExerciseDef:
    """The lunge, with rules fixed here so that re-tuning its file does not move these tests."""
    return replace(find_exercise("lunge"), rules=(KNEE_90, TORSO)).for_side("left")


def step_of(image: ImageArray, pose: Pose | None, metrics: Metrics, phase: CoachPhase, **kw: object) -> Step:
    upd = replace(update(phase), **kw)  # type: ignore[arg-type]
    return Step(Frame(30, 1.0, image), pose, pose, metrics, upd, 0.04)


def text_rows(image: ImageArray, box: tuple[int, int, int, int]) -> int:
    """How many pixel rows of ``box`` (x0, y0, x1, y1) hold near-white text."""
    x0, y0, x1, y1 = box
    white = np.all(image[y0:y1, x0:x1] > 235, axis=-1)
    return int(white.any(axis=1).sum())


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_every_frame_is_drawn_at_720p_on_a_new_image(width: int, height: int) -> None:
    image = frame(width, height)
    original = image.copy()
    pose = lunge_pose(width, height)
    screen = ScreenState(LONG_CUE, readout=Readout(29.7, 48.0))
    out = draw_overlay(
        image, step_of(image, pose, lunge_metrics(pose), CoachPhase.MOVING), find_exercise("lunge"), screen
    )
    # Small frames are scaled up so the text stays sharp; the window scales 720p to its size.
    assert out.shape == (DRAW_HEIGHT, round(width * DRAW_HEIGHT / height), 3) and out.dtype == np.uint8
    assert np.array_equal(image, original)


def test_the_count_is_the_largest_text_and_reads_from_across_the_room() -> None:
    image = np.full((720, 1280, 3), 200, np.uint8)
    pose = lunge_pose(1280, 720)
    out = draw_overlay(image, step_of(image, pose, lunge_metrics(pose), CoachPhase.MOVING), find_exercise("lunge"),
                       ScreenState("Go lower."))  # fmt: skip
    # "3/12" top right: digits 87 px tall at 720p (about 11 cm on a 27-inch screen filled by the
    # window); the cue's letters 33 px; the side/set 29 px.
    count = text_rows(out, (900, 0, 1280, 160))
    cue = text_rows(out, (0, 600, 1280, 720))
    side = text_rows(out, (0, 60, 600, 130))
    assert count >= 80 and count > cue > side >= 25, (count, cue, side)
    assert render("3/12", 120).height > 2 * render("Go lower.", 26).height


@pytest.mark.parametrize(
    ("verdict", "colour"),
    [(True, GREEN), (False, RED), (None, WHITE)],
)
def test_a_measurement_takes_the_colour_of_the_checkers_verdict(
    verdict: bool | None, colour: tuple[int, int, int]
) -> None:
    exercise = lunge_with_fixed_rules()
    pose = lunge_pose(1280, 720, 88.0)  # inside 70–110: the overlay does not judge, the verdict decides
    metrics = measure(pose, exercise.metric_names(), 1.0, 30)
    verdicts = () if verdict is None else (Verdict("front_knee_flexion", 88.0, verdict),)
    image = np.full((720, 1280, 3), 90, np.uint8)
    out = annotate_measurements(image, pose, metrics, exercise, verdicts)
    knee = pose.xy[Landmark.LEFT_KNEE].round().astype(int)
    around = out[knee[1] - 40 : knee[1] + 40, knee[0] - 40 : knee[0] + 260]
    assert pixels_of(around, colour) > 300  # the arc and the label "front knee 88°"
    assert pixels_of(out, AMBER) == 0
    assert all(pixels_of(around, other) == 0 for other in {GREEN, RED} - {colour})


def test_a_reps_verdict_stays_up_after_its_frame_then_goes() -> None:
    exercise = lunge_with_fixed_rules()
    memory = VerdictMemory(exercise)
    judged = replace(update(CoachPhase.START), rule_results=(RuleResult("front_knee_90", 92.0, True),))
    assert memory(judged) == (Verdict("front_knee_flexion", 92.0, True, last_rep=True),)
    later = replace(
        update(CoachPhase.START), t=1.0 + REP_VERDICT_S - 0.1, rule_results=(RuleResult("front_knee_90", 150.0, None),)
    )
    assert memory(later) == (Verdict("front_knee_flexion", 92.0, True, last_rep=True),)
    gone = replace(later, t=1.0 + REP_VERDICT_S + 0.1)
    assert memory(gone) == ()


def test_every_rule_of_every_exercise_is_drawn_at_a_joint_with_a_label() -> None:
    pose = lunge_pose(1280, 720)
    for exercise in load_library().values():
        for side in exercise.sides:
            bound = exercise.for_side(side)
            metrics = replace(measure(pose, bound.metric_names(), 1.0, 30), front_side="left")
            for rule in bound.rules:
                assert anchor(rule.metric, pose, metrics) is not None, (exercise.id, rule.metric)
                assert label(rule.metric) and "_" not in label(rule.metric), (exercise.id, rule.metric)
    assert label("front_knee_flexion") == "front knee" and label("knee_flexion_3d") == "knee"


def test_trunk_lean_is_drawn_from_the_hips() -> None:
    exercise = lunge_with_fixed_rules()
    pose = lunge_pose(1280, 720)
    metrics = measure(pose, exercise.metric_names(), 1.0, 30)
    image = np.full((720, 1280, 3), 90, np.uint8)
    out = annotate_measurements(image, pose, metrics, exercise, (Verdict("trunk_lean", 2.0, False),))
    # The red trunk line from mid-hip (642, 402) up to mid-shoulder (642, 202), and its label.
    assert pixels_of(out[210:390, 630:655], RED) > 500


def test_the_gauge_puts_the_needle_at_the_value_against_the_target_band() -> None:
    spec = gauge_spec(find_exercise("glute_bridge").for_side("both"))
    assert spec is not None and spec.metric == "knee_hip_shoulder" and spec.band == (162, math.inf)
    needles = []
    for value in (130.0, 170.0):
        image = np.full((720, 1280, 3), 90, np.uint8)
        draw_gauge(image, spec, value)
        ys = np.nonzero(np.all(image[185:580, 61:71] == WHITE, axis=-1))[0]  # the needle's triangle
        needles.append(185 + ys.mean())
        band = np.nonzero(np.all(image[:, 40] == GREEN, axis=-1))[0]
    low, high = spec.low, spec.high
    expected = [570 - (v - low) / (high - low) * (570 - 190) for v in (130.0, 170.0)]
    assert needles == pytest.approx(expected, abs=6)
    assert band.min() == pytest.approx(190, abs=2) and band.max() == pytest.approx(
        570 - (162 - low) / (high - low) * 380, abs=3
    )


def test_paused_dims_the_frame_and_says_so() -> None:
    image = np.full((720, 1280, 3), 240, np.uint8)
    out = draw_paused(image)
    assert out[10, 10].max() <= 120  # dimmed
    assert text_rows(out, (300, 220, 980, 400)) >= 100  # PAUSED, 108 px capitals


def test_setup_shows_the_hint_and_an_arrow_where_the_feet_leave_the_picture() -> None:
    image = np.full((720, 1280, 3), 90, np.uint8)
    pose = lunge_pose(1280, 720)
    xy = pose.xy.copy()
    xy[:, 1] += 300  # the legs below the picture
    low = replace(pose, xy=xy)
    metrics = replace(lunge_metrics(low), parts_in_frame=frozenset({"shoulder", "hip"}))
    screen = ScreenState("", setup_hint="Step back so I can see your feet.")
    out = draw_overlay(image, step_of(image, low, metrics, CoachPhase.SETUP), find_exercise("lunge"), screen)
    assert pixels_of(out[480:620, 600:680], AMBER) > 400  # the arrow up from the bottom edge
    assert pixels_of(out[280:335, 200:1080], AMBER) > 1000  # "Getting ready"
    assert text_rows(out, (200, 335, 1080, 410)) >= 30  # the hint below it


def arrow_points_down(image: ImageArray, x0: int, x1: int) -> bool:
    """Whether the amber arrow in columns x0..x1 has its head (its widest rows) at the bottom."""
    ys, xs = np.nonzero(np.all(image[:, x0:x1] == np.array(AMBER, dtype=np.uint8), axis=-1))
    top, bottom = int(ys.min()), int(ys.max())
    assert bottom - top >= 150, (top, bottom)  # a tall arrow, not a speck
    span = (bottom - top) // 4
    width_at = [int(np.ptp(xs[(ys >= y) & (ys < y + span)])) for y in (top, bottom - span)]
    assert max(width_at) >= 2 * min(width_at)  # a head and a shaft
    return width_at[1] > width_at[0]


@pytest.mark.parametrize(
    ("exercise", "posture", "hint", "down"),
    [
        ("glute_bridge", Posture.UPRIGHT, "Lie down on the floor to start, as the exercise shows.", True),
        ("couch_stretch", Posture.ON_BACK, "Stand up, or kneel or sit upright, to start.", False),
    ],
)
def test_setup_points_the_way_into_the_exercises_posture(
    exercise: str, posture: Posture, hint: str, down: bool
) -> None:
    image = np.full((720, 1280, 3), 90, np.uint8)
    pose = lunge_pose(1280, 720)
    metrics = replace(lunge_metrics(pose), view=CameraView(posture, 90.0, 0.0))
    step = step_of(image, pose, metrics, CoachPhase.SETUP, exercise=exercise)
    out = draw_overlay(image, step, find_exercise(exercise), ScreenState("", setup_hint=hint))
    assert arrow_points_down(out, 62, 142) is down  # left of the hint: down to lie down, up to get up
    other = draw_overlay(image, step, find_exercise(exercise), ScreenState("", setup_hint="Step back."))
    assert pixels_of(other[:, 62:142], AMBER) == 0  # another hint on screen: no posture arrows


def test_in_setup_the_hint_is_written_once_not_again_on_the_cue_band() -> None:
    # A three-line hint on the band covered the camera compass (couch stretch, 4:3 video).
    image = np.full((720, 1280, 3), 90, np.uint8)
    pose = lunge_pose(1280, 720)
    step = step_of(image, pose, lunge_metrics(pose), CoachPhase.SETUP)
    hint = "Turn to your left, side-on to the camera, or move the camera to your right."
    same = draw_overlay(image, step, find_exercise("lunge"), ScreenState(hint, setup_hint=hint))
    other = draw_overlay(image, step, find_exercise("lunge"), ScreenState("Three", setup_hint=hint))
    assert text_rows(same, (0, 640, 1280, 720)) == 0  # no band: the hint is in the setup box
    assert text_rows(other, (0, 640, 1280, 720)) >= 20  # another cue still has its band


def lying_pose(knee_flexion: float) -> Pose:
    """On the back, side-on, head to the left, thighs rising 20° from the hips to the knees and
    each shin ``knee_flexion`` degrees off its thigh's line, down toward the floor (720p)."""
    thigh = math.radians(-20.0)
    shin = thigh + math.radians(knee_flexion)
    points: dict[Landmark, tuple[float, float]] = {Landmark.NOSE: (250.0, 520.0)}
    for side, dy in (("LEFT", 0.0), ("RIGHT", 6.0)):
        hip = np.array([640.0, 560.0 + dy])
        knee = hip + 170.0 * np.array([math.cos(thigh), math.sin(thigh)])
        ankle = knee + 170.0 * np.array([math.cos(shin), math.sin(shin)])
        points |= {
            Landmark[f"{side}_SHOULDER"]: (400.0, 555.0 + dy),
            Landmark[f"{side}_HIP"]: (hip[0], hip[1]),
            Landmark[f"{side}_KNEE"]: (knee[0], knee[1]),
            Landmark[f"{side}_ANKLE"]: (ankle[0], ankle[1]),
            Landmark[f"{side}_HEEL"]: (ankle[0] + 5.0, ankle[1] + 12.0),
            Landmark[f"{side}_FOOT_INDEX"]: (ankle[0] + 30.0, ankle[1] - 15.0),
        }
    xy = np.zeros((NUM_LANDMARKS, 2))
    visibility = np.zeros(NUM_LANDMARKS)
    for landmark, point in points.items():
        xy[landmark], visibility[landmark] = point, 0.95
    return Pose(0.0, 0, xy, visibility, (1280, 720))


def amber_round_the_knee(image: ImageArray, pose: Pose) -> tuple[np.ndarray, np.ndarray]:
    """The amber pixels (x, y) 80 ± 6 px from the left knee: where the bend arrow runs."""
    knee = pose.xy[Landmark.LEFT_KNEE]
    ys, xs = np.nonzero(np.all(image == np.array(AMBER, dtype=np.uint8), axis=-1))
    ring = np.abs(np.hypot(xs - knee[0], ys - knee[1]) - 80) <= 6
    return xs[ring], ys[ring]


def sweep_side(image: ImageArray, pose: Pose) -> float:
    """Which way the amber arrow round the left knee runs from the shin: + toward the thigh."""
    knee, ankle, hip = (pose.xy[lm] for lm in (Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE, Landmark.LEFT_HIP))
    xs, ys = amber_round_the_knee(image, pose)
    assert len(xs) > 150, len(xs)  # an arc round the knee
    angles = np.degrees(np.arctan2(ys - knee[1], xs - knee[0]))
    shin = math.degrees(math.atan2(*(ankle - knee)[::-1]))
    thigh = math.degrees(math.atan2(*(hip - knee)[::-1]))
    toward_thigh = math.copysign(1.0, (thigh - shin + 180) % 360 - 180)
    return float(np.median((angles - shin + 180) % 360 - 180)) * toward_thigh


@pytest.mark.parametrize(
    ("condition", "closes"),
    [
        (None, True),  # the bridge's own: knee flexion ≥ 50 or "Bend your knees and put your feet flat on the floor."
        (Condition("knee_flexion", "Straighten your legs.", maximum=10.0), False),
    ],
)
def test_setup_bends_or_straightens_the_joint_its_condition_names(condition: Condition | None, closes: bool) -> None:
    bridge = find_exercise("glute_bridge")
    if condition is not None:
        bridge = replace(bridge, setup=replace(bridge.setup, conditions=(condition,)))
    (wanted,) = bridge.setup.conditions
    image = np.full((720, 1280, 3), 90, np.uint8)
    pose = lying_pose(knee_flexion=25.0)
    metrics = measure(pose, bridge.metric_names(), 1.0, 30)
    assert metrics.get("knee_flexion") == pytest.approx(25.0, abs=1.0)
    step = step_of(image, pose, metrics, CoachPhase.SETUP, exercise="glute_bridge", side=BOTH)
    out = draw_overlay(image, step, bridge, ScreenState("", setup_hint=wanted.hint))
    assert (sweep_side(out, pose) > 10) is closes  # from the shin toward the thigh to bend, away to straighten
    quiet = draw_overlay(image, step, bridge, ScreenState("", setup_hint="Step back."))
    assert len(amber_round_the_knee(quiet, pose)[0]) == 0  # another hint on screen: no bend arrow


def test_replays_show_the_recorded_frame_rate_and_no_made_up_latency() -> None:
    track = ScreenTrack(find_exercise("glute_bridge"))
    pose = lunge_pose(1280, 720)
    hint = Event(0.0, EventKind.SETUP_HINT, "setup", "Lie down.")
    for i in range(40):
        upd = replace(update(CoachPhase.SETUP), t=i / 24, events=(hint,) if i == 3 else ())
        screen = track(Step(None, pose, pose, lunge_metrics(pose), upd), "")
    assert screen.readout == Readout(pytest.approx(24.0), None) and screen.setup_hint == "Lie down."


def test_rest_screen_dims_the_picture_and_writes_the_countdown_at_screen_size() -> None:
    image = np.full((1080, 1920, 3), 200, dtype=np.uint8)
    rest = draw_rest(image, 7.2, "Couch stretch")
    assert rest.shape == (720, 1280, 3)
    assert (image == 200).all()  # the input is left alone
    assert (rest[:100, :100] == 100).all()  # dimmed by half where nothing is written
    assert text_rows(rest, (200, 200, 1080, 460)) >= 120  # "Rest 8 s" and "Next: Couch stretch"


@pytest.mark.parametrize(("azimuth", "inside"), [(80.0, True), (-100.0, True), (10.0, False)])
def test_view_compass_puts_the_camera_where_it_stands(azimuth: float, inside: bool) -> None:
    # The couch stretch wants a side view (±45°): the camera dot sits on the circle at its
    # azimuth (front up, the body's right to the right), green inside the range, amber
    # outside, where an arrow along the ring points the way into it.
    image = np.full((720, 1280, 3), 90, dtype=np.uint8)
    out = annotate_view(image, CameraView(Posture.UPRIGHT, azimuth, 5.0), find_exercise("couch_stretch"))
    colour = GREEN if inside else AMBER
    cx, cy, radius = 1280 - 50 - 60, 720 - 190 - 60, 60  # the compass at 720p
    dot_x = cx + radius * math.sin(math.radians(azimuth))
    dot_y = cy - radius * math.cos(math.radians(azimuth))
    ys, xs = np.nonzero(np.all(out == np.array(colour, dtype=np.uint8), axis=-1))
    on_dot = np.hypot(xs - dot_x, ys - dot_y) <= 8
    assert on_dot.sum() > 180  # a filled disc there (the range's arc alone covers ~100 px of it)
    assert (pixels_of(out, AMBER) > 600) is not inside  # the arrow outside the range only
    unchanged = annotate_view(image, CameraView(Posture.UPRIGHT, azimuth, 5.0), find_exercise("lunge"))
    assert np.array_equal(unchanged, image)  # the lunge takes any view: nothing to show


def test_the_skeleton_is_drawn_on_a_copy() -> None:
    image = frame(1280, 720)
    original = image.copy()
    out = annotate_skeleton(image, lunge_pose(1280, 720))
    assert np.array_equal(image, original) and np.any(out != image)
