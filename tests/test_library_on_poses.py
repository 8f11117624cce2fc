"""Library exercise files on synthetic bodies: poses in, cues and clocks out.

tests/test_library_performances.py checks every file at the measurement level, assuming the
measurements read what the file expects. Here some of the files never checked on footage
(exercises/*.toml, the library itself, not tests/data/exercises) are driven with 33-landmark
skeletons from tests/synthetic.py through the real pipeline (smoothing → measurements →
ExerciseSession), to check that their measurements and bands hold up on body geometry:

* a good performance, in the position a physiotherapist would call correct, completes (the
  hold reaches its target, to ±0.2 s) with no corrective event;
* a faulty one, for one rule, raises that rule's cue within its grace + 0.5 s of the fault
  starting, and a blocking hold rule stops the clock for the fault's length.

A fault is a 0.1 s ramp from the good pose to one whose measurement is the good value mirrored
about the band's edge, so the (linear) measurement crosses the edge at the ramp's midpoint,
which is when the fault "starts".

A good performance that fails on a correct pose is a problem in the exercise file (or its
measurement), kept here as a strict xfail with the value read.

Covered: knee_to_chest, strap_hamstring_stretch, strap_adductor_stretch,
strap_abductor_stretch, single_leg_circles, low_lunge, happy_baby, garland, and the
pelvis_level rules of the strap stretches and leg circles with a pelvic roll (the raised
leg's hip lifted off the floor, ``Angles.pelvis_roll``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

import pytest
from synthetic import Angles, Camera, Keyframe, sequence

from formcoach.checkers.counters import FAULT_EDGE_S
from formcoach.checkers.session import ExerciseSession
from formcoach.exercises.loader import find_exercise
from formcoach.exercises.schema import ExerciseDef, HoldSpec, Rule
from formcoach.pipeline import Analyzer, replay
from formcoach.types import Event, EventKind, Step

FPS = 30.0
HOLD_FPS = 15.0  # long holds: half the frames, still well inside the timing tolerances
RAMP_S = 0.1
CUE_SLACK_S = 0.5  # a cue may come this long after the fault's grace (smoothing lag, frames)
CORRECTIVE = (EventKind.RULE_FAIL, EventKind.REP_PARTIAL, EventKind.HOLD_PAUSE, EventKind.POSE_LOST)

# -- helpers -----------------------------------------------------------------------------


def one_hold(exercise_id: str) -> ExerciseDef:
    """The library exercise, a hold timed once to its target: these tests check bodies against
    bands; the doses (sets, staying on to ``max_s``) are tested in test_library_performances."""
    exercise = find_exercise(exercise_id)
    if exercise.hold is None:
        return exercise
    return replace(exercise, hold=replace(exercise.hold, max_s=exercise.hold.min_s, sets=1))


def bound(exercise_id: str, side: str) -> ExerciseDef:
    """The library exercise with ``{side}``/``{other}`` bound (cues as the user hears them)."""
    return one_hold(exercise_id).for_side(side)


def rule_of(exercise: ExerciseDef, rule_id: str) -> Rule:
    return next(r for r in exercise.rules if r.id == rule_id)


def hold_of(exercise: ExerciseDef) -> HoldSpec:
    assert exercise.hold is not None, f"{exercise.id} is not a hold"
    return exercise.hold


# Every performance here is also played with the camera turned off the asked view, either
# way, as far as people put laptops (the exercise's view range): the counts, holds and cues
# must not change. Measured values are compared only square to the camera, where the image
# shows angles exactly.
CAMERA_YAWS = (0.0, -40.0, 40.0)
camera_yaw = {"deg": 0.0}


@pytest.fixture(autouse=True, params=CAMERA_YAWS, ids=lambda yaw: f"camera{yaw:+.0f}")
def turned_camera(request: pytest.FixtureRequest) -> Iterator[float]:
    camera_yaw["deg"] = request.param
    yield request.param
    camera_yaw["deg"] = 0.0


def square_to_camera() -> bool:
    return camera_yaw["deg"] == 0.0


def run(exercise_id: str, keyframes: Sequence[Keyframe], side: str, fps: float, **pose_kwargs: Any) -> list[Step]:
    session = ExerciseSession(one_hold(exercise_id), (side,))
    pose_kwargs.setdefault("camera", Camera(yaw_deg=camera_yaw["deg"]))
    steps = list(replay(sequence(keyframes, fps=fps, **pose_kwargs), Analyzer(session)))
    assert steps, "no frames"
    return steps


def events(steps: Sequence[Step], *kinds: EventKind, key: str | None = None) -> list[Event]:
    return [e for s in steps for e in s.update.events if e.kind in kinds and (key is None or e.key == key)]


def first_t(steps: Sequence[Step], kind: EventKind, key: str | None = None) -> float:
    found = events(steps, kind, key=key)
    assert found, f"no {kind} event"
    return found[0].t


def hold_s_at(steps: Sequence[Step], t: float) -> float:
    """The hold clock on the last frame at or before ``t``."""
    return [s.update for s in steps if s.update.t <= t + 1e-9][-1].hold_s


def values_at(steps: Sequence[Step], t: float) -> dict[str, float]:
    return [s.metrics.values for s in steps if s.metrics.t <= t + 1e-9][-1]


def both_legs(hip: float, knee: float, abduction: float, **body: float) -> Angles:
    """Both legs alike, plus any trunk angles."""
    legs = {f"{side}_{joint}": value for side in ("left", "right") for joint, value in
            (("hip", hip), ("knee", knee), ("abduction", abduction))}  # fmt: skip
    return Angles(**legs, **body)


def mirrored(good: float, edge: float) -> float:
    """The faulty value: ``good`` mirrored about the band's ``edge``."""
    return 2 * edge - good


def with_fault(good: Angles, bad: Angles, start: float, length: float, end: float) -> list[Keyframe]:
    """Good form, the fault from ``start`` (mid-ramp) for ``length`` seconds, good until ``end``."""
    half = RAMP_S / 2
    return [
        (0.0, good),
        (start - half, good),
        (start + half, bad),
        (start + length - half, bad),
        (start + length + half, good),
        (end, good),
    ]


def assert_good_hold(exercise: ExerciseDef, steps: Sequence[Step], fps: float) -> None:
    """No corrective event; the clock starts once setup settles and runs to the target."""
    hold = hold_of(exercise)
    assert events(steps, *CORRECTIVE) == []
    started = first_t(steps, EventKind.HOLD_START)
    assert exercise.setup.settle_s < started <= exercise.setup.settle_s + 2 / fps
    (done,) = events(steps, EventKind.HOLD_DONE)
    assert done.t == pytest.approx(started + hold.min_s, abs=0.2)
    assert done.data["held_s"] == pytest.approx(hold.min_s, abs=1 / fps + 0.01)  # frames, rounding
    assert done.message == exercise.cues.done
    assert steps[-1].update.finished


def check_good_hold(exercise_id: str, side: str, pose: Angles, expected: dict[str, float], **pose_kwargs: Any) -> None:
    """Held in ``pose`` past the target: reads ``expected`` ({side}/{other} bound) and
    completes cleanly."""
    exercise = bound(exercise_id, side)
    other = "right" if side == "left" else "left"
    end = hold_of(exercise).min_s + 2.0
    steps = run(exercise_id, [(0.0, pose), (end, pose)], side, HOLD_FPS, **pose_kwargs)
    values = steps[-1].metrics.values
    for name, value in expected.items() if square_to_camera() else ():
        assert values[name.format(side=side, other=other)] == pytest.approx(value, abs=0.5), name
    assert_good_hold(exercise, steps, HOLD_FPS)


def check_hold_fault(
    exercise_id: str,
    side: str,
    rule_id: str,
    good: tuple[Angles, float],
    bad: tuple[Angles, float],
    measured: str,
    cue: str,
    start: float = 10.0,
    length: float = 5.0,
    **pose_kwargs: Any,
) -> None:
    """From ``start`` the pose goes from ``good`` to ``bad`` for ``length`` seconds (each: the
    pose and what ``measured`` reads in it, mirrored about the rule's edge so the edge is
    crossed mid-ramp): the rule's cue comes in time and the clock stops meanwhile."""
    exercise = bound(exercise_id, side)
    rule = rule_of(exercise, rule_id)
    (good_pose, good_value), (bad_pose, bad_value) = good, bad
    edge = rule.minimum if bad_value < good_value else rule.maximum
    assert bad_value == pytest.approx(mirrored(good_value, edge))
    keyframes = with_fault(good_pose, bad_pose, start, length, hold_of(exercise).min_s + length + 7.0)
    steps = run(exercise_id, keyframes, side, HOLD_FPS, **pose_kwargs)
    if square_to_camera():
        assert values_at(steps, start + 1.0)[measured] == pytest.approx(bad_value, abs=0.5)
    assert_blocking_fault(exercise, steps, rule, start, length, cue)


def assert_blocking_fault(
    exercise: ExerciseDef, steps: Sequence[Step], rule: Rule, start: float, length: float, cue: str
) -> None:
    """``rule`` (blocking) is cued with ``cue`` in time, nothing else is, and the clock stops
    for the fault's length: the hold ends ``length`` late."""
    hold = hold_of(exercise)
    assert rule.blocking and hold.grace_s + 0.5 < length
    fails = events(steps, EventKind.RULE_FAIL)
    assert {e.key for e in fails} == {rule.id}
    assert start + rule.grace_s <= fails[0].t <= start + rule.grace_s + CUE_SLACK_S
    assert fails[0].message == cue
    assert cue in (rule.cue_below, rule.cue_above)  # the file's text
    pauses = events(steps, EventKind.HOLD_PAUSE)
    assert len(pauses) == 1
    assert start + hold.grace_s - 1 / HOLD_FPS <= pauses[0].t <= start + hold.grace_s + CUE_SLACK_S
    # The clock stops from the fault's edge (FAULT_EDGE_S before it) and resumes once form
    # has settled as long after it (that settling time counts): the hold ends the fault's length
    # and one edge late.
    held_at_fault = hold_s_at(steps, start) - FAULT_EDGE_S
    assert pauses[0].data["held_s"] == pytest.approx(held_at_fault, abs=0.1)
    assert hold_s_at(steps, start + length - 0.1) == pytest.approx(held_at_fault, abs=0.1)
    assert len(events(steps, EventKind.RULE_OK, key=rule.id)) == 1
    assert len(events(steps, EventKind.HOLD_START)) == 2
    (done,) = events(steps, EventKind.HOLD_DONE)
    late = length + FAULT_EDGE_S
    slack = 0.2 if square_to_camera() else 0.3  # off the view the ramps read foreshortened
    assert done.t == pytest.approx(first_t(steps, EventKind.HOLD_START) + hold.min_s + late, abs=slack)


# -- supine holds: knee to chest and the strap stretches ---------------------------------------
# Supine, side view. Knee to chest: the drawn knee at hip 120°, knee 110° (hugged); the other
# leg hook-lying, foot flat (hip 45°, knee 90°). Hamstring: the raised leg at hip 75°, knee 5°
# (straight), the other leg flat. Adductor: the straight leg raised (hip 80°) and lowered 45°
# out to the side; abductor: taken 30° across the body. The opening is read in 3-D (world
# landmarks) and reads the generator's angle; the side view sees the opened leg foreshortened,
# so a 5° knee reads a little more in 2-D.


def knee_to_chest(side: str, drawn_hip: float = 120.0) -> Angles:
    other = "right" if side == "left" else "left"
    return Angles(**{f"{side}_hip": drawn_hip, f"{side}_knee": 110.0, f"{other}_hip": 45.0, f"{other}_knee": 90.0})


def hamstring(side: str, knee: float = 5.0) -> Angles:
    return Angles(**{f"{side}_hip": 75.0, f"{side}_knee": knee})


def adductor(side: str, abduction: float = 45.0) -> Angles:
    return Angles(**{f"{side}_hip": 80.0, f"{side}_knee": 5.0, f"{side}_abduction": abduction})


def abductor(side: str, abduction: float = -30.0) -> Angles:
    return adductor(side, abduction)


SUPINE_HOLDS: dict[str, tuple[Callable[[str], Angles], dict[str, float]]] = {
    # exercise: (the correct pose for a side, what it reads: {side}/{other} bound)
    "knee_to_chest": (knee_to_chest, {"{side}_hip_flexion": 120.0, "{other}_hip_flexion": 45.0}),
    "strap_hamstring_stretch": (
        hamstring,
        {"{side}_hip_flexion": 75.0, "{side}_knee_flexion": 5.0, "{other}_hip_flexion": 0.0},
    ),
    "strap_adductor_stretch": (
        adductor,
        {"{side}_hip_abduction_3d": 45.0, "{side}_knee_flexion": 7.0, "{other}_hip_flexion": 0.0},
    ),
    "strap_abductor_stretch": (
        abductor,
        {"{side}_hip_abduction_3d": -30.0, "{side}_knee_flexion": 6.0, "{other}_hip_flexion": 0.0},
    ),
}
SUPINE_FAULTS = [
    # exercise, side, rule, the faulty pose, the measurement it moves and its faulty value, the cue
    ("knee_to_chest", "left", "knee_to_chest", knee_to_chest("left", 70.0), "left_hip_flexion", 70.0,
     "Draw your knee closer to your chest."),
    ("strap_hamstring_stretch", "right", "leg_straight", hamstring("right", 45.0), "right_knee_flexion", 45.0,
     "Keep your raised leg straight."),
    ("strap_adductor_stretch", "left", "leg_out_to_side", adductor("left", 5.0), "left_hip_abduction_3d", 5.0,
     "Let your leg open further out to the side."),
    ("strap_abductor_stretch", "right", "leg_across", abductor("right", 10.0), "right_hip_abduction_3d", 10.0,
     "Take your leg a little further across your body."),
]  # fmt: skip


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("exercise_id", sorted(SUPINE_HOLDS))
def test_supine_hold_good(exercise_id: str, side: str) -> None:
    pose_for, expected = SUPINE_HOLDS[exercise_id]
    check_good_hold(exercise_id, side, pose_for(side), expected, posture="supine", facing="left")


@pytest.mark.parametrize(("exercise_id", "side", "rule_id", "bad", "measured", "bad_value", "cue"), SUPINE_FAULTS)
def test_supine_hold_fault_is_cued_and_pauses(
    exercise_id: str, side: str, rule_id: str, bad: Angles, measured: str, bad_value: float, cue: str
) -> None:
    pose_for, expected = SUPINE_HOLDS[exercise_id]
    good_value = expected[measured.replace(side, "{side}", 1)]
    good = (pose_for(side), good_value)
    check_hold_fault(exercise_id, side, rule_id, good, (bad, bad_value), measured, cue, posture="supine", facing=side)


# A hip lifted off the floor as the strap pulls the leg too far: the pelvis rolls 12° (the
# issue's 10-12°) about the body's long axis, pivoting on the flat leg's hip. The hips' midpoint
# rises ~2 cm, tipping the trunk line, so the flat leg's hip angle drops 2.4° square to the
# camera (3.1° at 40°): past the files' 2° floor below the person's own start.
PELVIS_ROLL_DEG = 12.0
STRAP_STRETCHES = ("strap_hamstring_stretch", "strap_adductor_stretch", "strap_abductor_stretch")


def rolled(pose: Angles, side: str) -> Angles:
    """``pose`` with the ``side`` hip (the raised leg's) lifted off the floor."""
    return replace(pose, pelvis_roll=PELVIS_ROLL_DEG if side == "left" else -PELVIS_ROLL_DEG)


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("exercise_id", STRAP_STRETCHES)
def test_a_lifted_hip_in_a_strap_stretch_is_cued(exercise_id: str, side: str) -> None:
    pose_for, _ = SUPINE_HOLDS[exercise_id]
    exercise = bound(exercise_id, side)
    rule = rule_of(exercise, "pelvis_level")
    start, length = 10.0, 5.0
    good = pose_for(side)
    keyframes = with_fault(good, rolled(good, side), start, length, hold_of(exercise).min_s + length + 7.0)
    steps = run(exercise_id, keyframes, side, HOLD_FPS, posture="supine", facing="left")
    lifted = [e for e in events(steps, EventKind.RULE_FAIL) if e.key == "pelvis_level"]
    assert lifted, f"no pelvis_level cue; reads {values_at(steps, start + 1.0)[rule.metric]:.2f}"
    assert start + rule.grace_s <= lifted[0].t <= start + rule.grace_s + CUE_SLACK_S
    assert lifted[0].message == rule.cue_below
    (back,) = events(steps, EventKind.RULE_OK, key="pelvis_level")
    assert start + length <= back.t <= start + length + CUE_SLACK_S
    if rule.blocking:  # the hamstring stretch: the clock stops while the hip is up
        assert hold_s_at(steps, start + length - 0.1) == pytest.approx(hold_s_at(steps, start) - FAULT_EDGE_S, abs=0.2)


def test_a_level_pelvis_in_a_strap_stretch_is_not_cued() -> None:
    # The flat leg's hip angle read against its own start: the same stretch, the pelvis level.
    steps = run("strap_adductor_stretch", [(0.0, adductor("left")), (30.0, adductor("left"))], "left", HOLD_FPS,
                posture="supine", facing="left")  # fmt: skip
    assert [e for e in events(steps, EventKind.RULE_FAIL) if e.key == "pelvis_level"] == []


# -- single-leg circles ----------------------------------------------------------------------
# Supine, feet-end view (as the placement asks; the generator's camera cannot be raised, but a
# raised camera changes nothing below: any projection keeps a straight leg straight). The
# raised, straight leg (knee 5°) circles about hip flexion 60°, 20° each way (abduction ±20°),
# one circle every 3 s, 6 clockwise then 6 counterclockwise (5 of each are asked for).

CIRCLE_S = 3.0
CIRCLE_HIP, CIRCLE_R = 60.0, 20.0


def circles(side: str, turns: int, knee: Callable[[float], float] = lambda _t: 5.0) -> list[Keyframe]:
    """1 s still at the circle's top, then ``turns`` circles each way; a keyframe per frame."""
    keyframes: list[Keyframe] = []
    total = 1.0 + 2 * turns * CIRCLE_S
    for i in range(round(total * FPS) + 1):
        t = i / FPS
        u = max(0.0, t - 1.0) / CIRCLE_S  # turns so far
        phi = 2 * math.pi * (u if u <= turns else 2 * turns - u)
        hip, out = CIRCLE_HIP + CIRCLE_R * math.cos(phi), CIRCLE_R * math.sin(phi)
        keyframes.append((t, Angles(**{f"{side}_hip": hip, f"{side}_abduction": out, f"{side}_knee": knee(t)})))
    return keyframes


def test_single_leg_circles_world_trace_is_a_loop() -> None:
    # The trace is the leg's direction seen from above, in world space: (ankle_x_3d,
    # ankle_depth_3d) sweeps both ways, a loop around the hip. (The image offset over the
    # leg's image length is a unit vector for a straight leg and only swings along an arc.)
    if not square_to_camera():
        pytest.skip("the world trace's extent is pinned for the camera square to the feet")
    steps = run("single_leg_circles", circles("left", 2), "left", FPS, posture="supine", facing="camera")
    circling = [s.metrics.values for s in steps if s.metrics.t > 1.0]
    xs = [v["left_ankle_x_3d"] for v in circling]
    depths = [v["left_ankle_depth_3d"] for v in circling]
    assert min(xs) == pytest.approx(-0.34, abs=0.02) and max(xs) == pytest.approx(0.34, abs=0.02)
    assert min(depths) == pytest.approx(-0.79, abs=0.02) and max(depths) == pytest.approx(-0.22, abs=0.02)


@pytest.mark.parametrize("side", ["left", "right"])
def test_single_leg_circles_good_circles(side: str) -> None:
    # "Clockwise" depends on where it is seen from; the file asks for 5 each way, in any order.
    steps = run("single_leg_circles", circles(side, 6), side, FPS, posture="supine", facing="camera")
    assert events(steps, *CORRECTIVE) == []
    done = [e.data["direction"] for e in events(steps, EventKind.CYCLE_DONE)]
    assert sorted(done) == ["clockwise"] * 5 + ["counterclockwise"] * 5
    assert done[:5] == [done[0]] * 5  # one direction finished before the other began
    assert steps[-1].update.finished


def test_single_leg_circles_bent_knee_is_cued() -> None:
    exercise = bound("single_leg_circles", "right")
    rule = rule_of(exercise, "leg_straight")
    bad_knee = mirrored(5.0, rule.maximum)  # 45°
    start, length = 4.0, 3.0

    def knee(t: float) -> float:
        into = min(max((t - start + RAMP_S / 2) / RAMP_S, 0.0), 1.0)
        out = min(max((t - start - length + RAMP_S / 2) / RAMP_S, 0.0), 1.0)
        return 5.0 + (bad_knee - 5.0) * (into - out)

    steps = run("single_leg_circles", circles("right", 2, knee), "right", FPS, posture="supine", facing="camera")
    assert values_at(steps, start + 1.0)["right_knee_flexion_3d"] == pytest.approx(45.0, abs=1.0)
    fails = events(steps, EventKind.RULE_FAIL)
    assert [e.key for e in fails] == ["leg_straight"]
    assert start + rule.grace_s <= fails[0].t <= start + rule.grace_s + CUE_SLACK_S
    assert fails[0].message == "Keep your leg straight as you circle."
    assert fails[0].data["value"] == pytest.approx(45.0, abs=1.0)
    (ok,) = events(steps, EventKind.RULE_OK, key="leg_straight")
    assert start + length <= ok.t <= start + length + CUE_SLACK_S


def test_single_leg_circles_a_rolling_pelvis_is_cued() -> None:
    # Seen from the feet, the roll tips the hip line in the image by its own angle: 12°
    # against the file's ±8° about the person's own start.
    exercise = bound("single_leg_circles", "left")
    rule = rule_of(exercise, "pelvis_level")
    start, length = 4.0, 3.0

    def roll(t: float) -> float:
        into = min(max((t - start + RAMP_S / 2) / RAMP_S, 0.0), 1.0)
        out = min(max((t - start - length + RAMP_S / 2) / RAMP_S, 0.0), 1.0)
        return PELVIS_ROLL_DEG * (into - out)

    keyframes = [(t, replace(pose, pelvis_roll=roll(t))) for t, pose in circles("left", 2)]
    steps = run("single_leg_circles", keyframes, "left", FPS, posture="supine", facing="camera")
    fails = [e for e in events(steps, EventKind.RULE_FAIL) if e.key == "pelvis_level"]
    assert fails, f"no pelvis_level cue; reads {values_at(steps, start + 1.0)['pelvis_tilt']:.1f}"
    assert start + rule.grace_s <= fails[0].t <= start + rule.grace_s + CUE_SLACK_S
    assert fails[0].message in (rule.cue_below, rule.cue_above)


# -- low lunge -------------------------------------------------------------------------------
# Standing, side view, legs in the posture frame: front leg hip 80°, knee 90° (shin upright),
# back leg hip −15°, knee 90°. Band: front knee 45–140. Hold 5 s.


def low_lunge(front: str, front_hip: float = 80.0, front_knee: float = 90.0) -> Angles:
    back = "right" if front == "left" else "left"
    return Angles(
        **{f"{front}_hip": front_hip, f"{front}_knee": front_knee, f"{back}_hip": -15.0, f"{back}_knee": 90.0}
    )


@pytest.mark.parametrize(("side", "facing"), [("left", "left"), ("right", "right"), ("right", "left")])
def test_low_lunge_good_hold(side: str, facing: str) -> None:
    exercise = bound("low_lunge", side)
    pose = low_lunge(side)
    steps = run("low_lunge", [(0.0, pose), (6.0, pose)], side, FPS, facing=facing, legs_follow_trunk=False)
    if square_to_camera():
        assert steps[-1].metrics.values["front_knee_flexion"] == pytest.approx(90.0, abs=0.5)
    assert steps[-1].metrics.front_side == side
    assert_good_hold(exercise, steps, FPS)


def test_low_lunge_standing_up_is_cued_and_pauses() -> None:
    risen = low_lunge("left", front_hip=40.0, front_knee=0.0)  # the knee mirrored about 45
    check_hold_fault("low_lunge", "left", "front_knee_bent", (low_lunge("left"), 90.0), (risen, 0.0),
                     "front_knee_flexion", "Take a big step forward and bend your knees.", start=2.5, length=2.0,
                     facing="left", legs_follow_trunk=False)  # fmt: skip


# -- happy baby ------------------------------------------------------------------------------
# Supine, side view, both legs. Knees toward the armpits: hips flexed 135°, knees 30° apart
# (abduction), shins straight up: in the side view the shin is vertical when the (2-D) knee
# flexion is hip flexion − 90°, here 45°.


def happy_baby(hip: float = 135.0, knee_2d: float = 45.0, abduction: float = 30.0) -> Angles:
    """Both legs at ``hip``, opened by ``abduction``, the knee bent to read ``knee_2d`` in a
    side view (the generator's knee angle is the 3-D one, which the side view foreshortens)."""
    knee = math.degrees(math.atan(math.tan(math.radians(knee_2d)) * math.cos(math.radians(abduction))))
    return both_legs(hip, knee, abduction)


def test_happy_baby_correct_pose_reads() -> None:
    pose = happy_baby()
    steps = run("happy_baby", [(0.0, pose), (1.0, pose)], "both", FPS, posture="supine", facing="left")
    values = steps[-1].metrics.values
    if square_to_camera():
        assert values["hip_flexion"] == pytest.approx(135.0, abs=0.5)
        assert values["knee_flexion"] == pytest.approx(45.0, abs=0.5)  # file: min 20
        # shin_angle is 0° with the knee above the ankle (standing); ankles above the knees read 180°.
        assert values["shin_angle"] == pytest.approx(180.0, abs=0.5)  # file: min 140
    exercise = bound("happy_baby", "both")
    assert all(rule.judge(values[rule.metric]) for rule in exercise.rules)


def test_happy_baby_tabletop_is_told_to_stack_the_ankles() -> None:
    # Knees over the hips with the shins level (a tabletop) reads shin_angle ~90.
    exercise = bound("happy_baby", "both")
    rule = rule_of(exercise, "shins_vertical")
    table = happy_baby(hip=90.0, knee_2d=90.0)
    steps = run("happy_baby", [(0.0, table), (4.0, table)], "both", FPS, posture="supine", facing="left")
    assert steps[-1].metrics.values["shin_angle"] == pytest.approx(90.0, abs=1.0)
    fails = [e for e in events(steps, EventKind.RULE_FAIL) if e.key == rule.id]
    assert fails and fails[0].message == "Stack your ankles above your knees, shins straight up."


def test_happy_baby_good_hold() -> None:
    exercise = bound("happy_baby", "both")
    pose = happy_baby()
    steps = run("happy_baby", [(0.0, pose), (32.0, pose)], "both", HOLD_FPS, posture="supine", facing="left")
    assert_good_hold(exercise, steps, HOLD_FPS)


def test_happy_baby_legs_dropping_is_cued_and_pauses() -> None:
    exercise = bound("happy_baby", "both")
    rule = rule_of(exercise, "knees_to_armpits")
    good = happy_baby()
    dropped = happy_baby(hip=mirrored(135.0, rule.minimum))  # 45°
    start, length = 10.0, 5.0
    steps = run(
        "happy_baby", with_fault(good, dropped, start, length, 37.0), "both", HOLD_FPS, posture="supine", facing="left"
    )
    if square_to_camera():
        assert values_at(steps, start - 1.0)["shin_angle"] == pytest.approx(180.0, abs=0.5)
        assert values_at(steps, start + 1.0)["hip_flexion"] == pytest.approx(45.0, abs=0.5)
    shins = rule_of(exercise, "shins_vertical")
    assert not shins.blocking
    fails = [e for e in events(steps, EventKind.RULE_FAIL) if e.key != shins.id]
    assert {e.key for e in fails} == {rule.id}
    assert start + rule.grace_s <= fails[0].t <= start + rule.grace_s + CUE_SLACK_S
    assert fails[0].message == "Draw your knees down toward your armpits."
    hold = hold_of(exercise)
    (pause,) = events(steps, EventKind.HOLD_PAUSE)
    assert start + hold.grace_s - 1 / HOLD_FPS <= pause.t <= start + hold.grace_s + CUE_SLACK_S
    held_at_fault = hold_s_at(steps, start) - FAULT_EDGE_S
    assert pause.data["held_s"] == pytest.approx(held_at_fault, abs=0.1)
    assert hold_s_at(steps, start + length - 0.1) == pytest.approx(held_at_fault, abs=0.1)
    (done,) = events(steps, EventKind.HOLD_DONE)
    late = length + FAULT_EDGE_S
    assert done.t == pytest.approx(first_t(steps, EventKind.HOLD_START) + hold.min_s + late, abs=0.2)


# -- garland ---------------------------------------------------------------------------------
# Standing, facing the camera, legs in the posture frame: a deep wide squat, trunk leaning 35°
# forward, thighs at 85° from hanging (hip flexion 120° against the trunk), knees 130°, both
# thighs 35° out (knee gap 1 + 4.3·sin 35° = 3.47 hip widths). Bands: knee ≥ 90, gap ≥ 1.4.


def garland(knee: float = 130.0, hip: float = 85.0, abduction: float = 35.0, lean: float = 35.0) -> Angles:
    return both_legs(hip, knee, abduction, trunk_lean=lean)


def test_garland_good_hold() -> None:
    exercise = bound("garland", "both")
    pose = garland()
    steps = run("garland", [(0.0, pose), (32.0, pose)], "both", HOLD_FPS, facing="camera", legs_follow_trunk=False)
    values = steps[-1].metrics.values
    assert values["knee_flexion_3d"] == pytest.approx(130.0, abs=0.5)
    assert values["knee_gap_3d"] == pytest.approx(1 + 4.3 * math.sin(math.radians(35.0)), abs=0.02)
    assert_good_hold(exercise, steps, HOLD_FPS)


def test_garland_rising_is_cued_and_pauses() -> None:
    risen = garland(knee=50.0, hip=40.0, lean=15.0)  # the knees mirrored about 90
    check_hold_fault("garland", "both", "squat_deep", (garland(), 130.0), (risen, 50.0), "knee_flexion_3d",
                     "Sink lower into your squat.", facing="camera", legs_follow_trunk=False)  # fmt: skip


def test_garland_knees_together_is_cued_and_keeps_the_clock() -> None:
    exercise = bound("garland", "both")
    rule = rule_of(exercise, "knees_apart")
    assert not rule.blocking
    start, length = 10.0, 5.0
    # Knees in line with the hips: gap 1.0 hip widths.
    steps = run(
        "garland",
        with_fault(garland(), garland(abduction=0.0), start, length, 32.0),
        "both",
        HOLD_FPS,
        facing="camera",
        legs_follow_trunk=False,
    )
    assert values_at(steps, start + 1.0)["knee_gap_3d"] == pytest.approx(1.0, abs=0.01)
    fails = events(steps, EventKind.RULE_FAIL)
    assert [e.key for e in fails] == ["knees_apart"]  # once: the fault is shorter than the cooldown
    assert fails[0].message == "Use your elbows to push your knees apart."
    # The gap is not linear in the abduction: the fault starts where the ramp's gap crosses 1.4.
    edge_abduction = math.degrees(math.asin((rule.minimum - 1.0) / 4.3))  # 5.3°
    crossed = start - RAMP_S / 2 + RAMP_S * (35.0 - edge_abduction) / 35.0  # 0.035 s past mid-ramp
    assert crossed + rule.grace_s <= fails[0].t <= crossed + rule.grace_s + CUE_SLACK_S
    assert events(steps, EventKind.HOLD_PAUSE) == []
    (done,) = events(steps, EventKind.HOLD_DONE)
    assert done.t == pytest.approx(first_t(steps, EventKind.HOLD_START) + hold_of(exercise).min_s, abs=0.2)
