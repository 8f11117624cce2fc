"""Checkers: counters as units, and whole sessions driven by synthetic poses through the
pipeline (smoothing → measurements → ExerciseSession)."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from synthetic import Angles, angles, concat, repeat, sequence

from formcoach.checkers.counters import FAULT_EDGE_S, CycleCounter, HoldTimer, RelativeSignal, RepCounter
from formcoach.checkers.rules import RuleTracker
from formcoach.checkers.session import ExerciseSession
from formcoach.exercises.loader import find_exercise as find_library_exercise
from formcoach.exercises.schema import CycleSpec, ExerciseDef, HoldSpec, Phase, RepSpec, Rule
from formcoach.pipeline import Analyzer, replay
from formcoach.types import Event, EventKind, Facing, Metrics

# -- helpers -----------------------------------------------------------------------------


def run(exercise_id, keyframes, fps=30.0, gaps=(), sides=None, **pose_kwargs):
    session = ExerciseSession(find_exercise(exercise_id), sides)
    steps = list(replay(sequence(keyframes, fps=fps, gaps=gaps, **pose_kwargs), Analyzer(session)))
    assert steps, "no frames"
    return steps


def events(steps, *kinds, key=None):
    return [e for s in steps for e in s.update.events if e.kind in kinds and (key is None or e.key == key)]


def first_t(steps, kind, key=None):
    found = events(steps, kind, key=key)
    assert found, f"no {kind} event"
    return found[0].t


def state_at(steps, t):
    """The update of the last frame at or before ``t``."""
    return [s.update for s in steps if s.update.t <= t + 1e-9][-1]


FIXTURES = Path(__file__).parent / "data" / "exercises"


def find_exercise(exercise_id: str) -> ExerciseDef:
    return find_library_exercise(exercise_id, FIXTURES)


CORRECTIVE = (EventKind.RULE_FAIL, EventKind.REP_PARTIAL, EventKind.HOLD_PAUSE, EventKind.POSE_LOST)


# -- glute bridge ------------------------------------------------------------------------
# These tests exercise the checker's mechanics, so they read frozen copies of the exercise
# files in tests/data/exercises (the library's thresholds are tuned on footage and scored by
# `formcoach eval`). knee_hip_shoulder = 180 − hip flexion (legs follow the trunk).

BRIDGE_DEF = find_exercise("glute_bridge")
BRIDGE_SPEC = BRIDGE_DEF.reps
BRIDGE_LINE = next(r for r in BRIDGE_DEF.rules if r.id == "bridge_line")
assert BRIDGE_SPEC is not None and BRIDGE_SPEC.increasing and BRIDGE_SPEC.metric == "knee_hip_shoulder"


def bridge_at(khs: float, knee: float = 90.0, lean: float = 0.0) -> Angles:
    return angles(hip=180.0 - khs, knee=knee, trunk_lean=lean)


REST_KHS, TOP_KHS = BRIDGE_SPEC.start - 17.0, 175.0
BRIDGE_REST = bridge_at(REST_KHS)
BRIDGE_TOP = bridge_at(TOP_KHS, knee=85.0, lean=-20.0)
BRIDGE = [(0.0, BRIDGE_REST), (1.0, BRIDGE_TOP), (1.4, BRIDGE_TOP), (2.4, BRIDGE_REST), (2.9, BRIDGE_REST)]
SETTLE = [(0.0, BRIDGE_REST), (1.0, BRIDGE_REST)]


def bridge_run(keyframes, facing="left", **kwargs):
    return run("glute_bridge", keyframes, posture="supine", facing=facing, **kwargs)


@pytest.mark.parametrize("facing", ["left", "right"])
def test_glute_bridge_five_clean_reps(facing):
    steps = bridge_run(concat(SETTLE, repeat(BRIDGE, 5)), facing=facing)
    assert first_t(steps, EventKind.START) == pytest.approx(BRIDGE_DEF.setup.settle_s, abs=0.05)
    done = events(steps, EventKind.REP_DONE)
    assert [e.data["rep"] for e in done] == [1, 2, 3, 4, 5]
    assert [e.message for e in done] == ["One", "Two", "Three", "Four", "Five"]
    assert steps[-1].update.rep_count == 5
    # Each rep is counted while lowering, once back past the start threshold (plus one
    # frame and the smoothing's lag).
    lowering = (TOP_KHS - BRIDGE_SPEC.start) / (TOP_KHS - REST_KHS)
    for i, e in enumerate(done):
        lowered = 1.0 + 2.9 * i + 1.4 + 1.0 * lowering
        assert lowered - 0.05 <= e.t <= lowered + 0.2
        assert e.data["peak"] == pytest.approx(TOP_KHS, abs=1.0)
    assert events(steps, *CORRECTIVE) == []


def top_hold_run(hold_s: float, strict: bool, top_s: float) -> list:
    """Two bridges held ``top_s`` at the top, the file asking for ``hold_s`` there."""
    assert BRIDGE_SPEC is not None
    exercise = replace(BRIDGE_DEF, reps=replace(BRIDGE_SPEC, hold_end_s=hold_s, hold_end_strict=strict))
    rep = [(0.0, BRIDGE_REST), (1.0, BRIDGE_TOP), (1.0 + top_s, BRIDGE_TOP), (2.0 + top_s, BRIDGE_REST)]
    keyframes = concat(SETTLE, repeat([*rep, (2.5 + top_s, BRIDGE_REST)], 2))
    session = ExerciseSession(exercise)
    return list(replay(sequence(keyframes, posture="supine", facing="left"), Analyzer(session)))


def test_a_top_hold_is_spoken_and_a_rep_lowered_early_is_cued_and_not_counted():
    held = top_hold_run(3.0, strict=True, top_s=3.6)
    said = [e.message for s in held for e in s.update.events if e.key in ("top_hold", "top_hold_done", "rep")]
    assert said == ["Hold.", "And lower.", "One", "Hold.", "And lower.", "Two"]
    assert events(held, EventKind.SHORT_HOLD) == []
    lowered = top_hold_run(3.0, strict=True, top_s=1.5)
    short = events(lowered, EventKind.SHORT_HOLD)
    assert [e.message for e in short] == ["Hold the top for three seconds before you lower."] * 2
    # Past the end threshold: the 1.5 s at the top plus the last third of the rise and the
    # first of the lowering (each 1 s from 135 to 175, crossing 162 two thirds up): ~2.15 s.
    assert all(2.0 <= float(e.data["held_s"]) <= 2.3 for e in short)
    assert events(lowered, EventKind.REP_DONE) == []
    assert events(lowered, EventKind.HOLD_MILESTONE, key="top_hold_done") == []


def test_a_lenient_top_hold_counts_the_rep_lowered_early_and_still_cues_it():
    lowered = top_hold_run(3.0, strict=False, top_s=1.5)
    assert len(events(lowered, EventKind.REP_DONE)) == 2
    assert len(events(lowered, EventKind.SHORT_HOLD)) == 2


def bridge_top_read_under_the_end(hip_past_straight: float) -> float:
    """Seconds the library bridge times at its top when the top is held 3 s with the hip read
    pushed ``hip_past_straight`` past the line: the included angle folds back to 180 minus that."""
    hyper = bridge_at(180.0 + hip_past_straight, knee=85.0, lean=-20.0)
    rep = [(0.0, BRIDGE_REST), (1.0, BRIDGE_TOP), (1.5, hyper), (4.5, hyper), (5.5, BRIDGE_REST), (6.0, BRIDGE_REST)]
    session = ExerciseSession(find_library_exercise("glute_bridge"))
    steps = list(replay(sequence(concat(SETTLE, rep), posture="supine", facing="left"), Analyzer(session)))
    assert steps[-1].update.rep_count == 1
    return steps[-1].update.hold_s


def test_a_held_top_read_a_little_under_the_end_threshold_is_still_timed():
    # Read 160 against the end threshold 162 (glute_bridge__pfc holds at 158-161): the 3 s
    # still, less the steadiness window and the smoothing's settle, as at a top read 170.
    assert bridge_top_read_under_the_end(20.0) == pytest.approx(2.8, abs=0.1)
    assert bridge_top_read_under_the_end(10.0) == pytest.approx(2.8, abs=0.1)
    # Read 156, more than the unit's rep gap (5°) under: that is no longer the top.
    assert bridge_top_read_under_the_end(24.0) < 0.1


def test_glute_bridge_hovering_at_start_threshold_adds_no_reps():
    # knee–hip–shoulder oscillating start ± 3° for 8 s.
    low, high = bridge_at(BRIDGE_SPEC.start - 3.0), bridge_at(BRIDGE_SPEC.start + 3.0)
    wobble = [(0.0, low), (0.3, high), (0.6, low)]
    steps = bridge_run(concat(SETTLE, repeat(wobble, 13)))
    values = [s.metrics.values["knee_hip_shoulder"] for s in steps if s.update.t > 1.2]
    assert max(values) > BRIDGE_SPEC.start  # it does cross the start threshold …
    assert min(values) < BRIDGE_SPEC.start
    assert steps[-1].update.rep_count == 0  # … and counts nothing
    assert events(steps, EventKind.REP_DONE) == []


def test_glute_bridge_hovering_at_end_threshold_adds_no_reps():
    # Rise, then hover end ± 3° for 6 s: crossing the end threshold again and again is one
    # rep at most, and only once back down.
    a = bridge_at(BRIDGE_SPEC.end + 3.0, knee=88.0, lean=-10.0)
    b = bridge_at(BRIDGE_SPEC.end - 3.0, knee=88.0, lean=-10.0)
    hover = [(0.0, a), (0.3, b), (0.6, a)]
    rise = [(0.0, BRIDGE_REST), (1.0, a)]
    down = [(0.0, a), (1.0, BRIDGE_REST), (1.5, BRIDGE_REST)]
    keyframes = concat(SETTLE, rise, repeat(hover, 10))
    steps = bridge_run(keyframes)
    values = [s.metrics.values["knee_hip_shoulder"] for s in steps if s.update.t > 3.0]
    assert min(values) < BRIDGE_SPEC.end < max(values)
    assert steps[-1].update.rep_count == 0
    steps = bridge_run(concat(keyframes, down))
    assert steps[-1].update.rep_count == 1
    assert len(events(steps, EventKind.REP_DONE)) == 1


def test_getting_into_position_is_not_a_rep():
    (bend,) = [c for c in BRIDGE_DEF.setup.conditions if c.metric == "knee_flexion"]
    flat = Angles()  # lying flat, legs straight: knee–hip–shoulder 180, like a bridge top
    keyframes = [(0.0, flat), (1.5, flat), (2.5, BRIDGE_REST), (5.0, BRIDGE_REST)]
    steps = bridge_run(keyframes)
    hints = events(steps, EventKind.SETUP_HINT)
    assert [h.message for h in hints] == [bend.hint]
    assert first_t(steps, EventKind.START) > 2.0  # only once the knees are bent
    assert steps[-1].update.rep_count == 0
    assert events(steps, EventKind.REP_DONE, EventKind.REP_PARTIAL) == []
    # … and the counter is live afterwards: one bridge is one rep.
    steps = bridge_run(concat(keyframes, BRIDGE))
    assert steps[-1].update.rep_count == 1


def test_bridge_too_low_at_the_top_is_cued_but_counted():
    assert BRIDGE_LINE.minimum > BRIDGE_SPEC.end + 1.0, "the fixture's line rule must sit above the rep's end"
    sag_khs = (BRIDGE_SPEC.end + BRIDGE_LINE.minimum) / 2  # past end, below the line rule
    sag = bridge_at(sag_khs, knee=88.0, lean=-10.0)
    cycle = [(0.0, BRIDGE_REST), (1.0, sag), (1.5, sag), (2.5, BRIDGE_REST), (3.0, BRIDGE_REST)]
    steps = bridge_run(concat(SETTLE, cycle))
    fails = events(steps, EventKind.RULE_FAIL, key="bridge_line")
    assert len(fails) == 1
    assert fails[0].message == BRIDGE_LINE.cue_below
    assert fails[0].data["direction"] == "below"
    assert fails[0].data["value"] == pytest.approx(sag_khs, abs=1.0)
    assert steps[-1].update.rep_count == (0 if BRIDGE_LINE.blocking else 1)


def test_pose_lost_mid_rep_does_not_count_and_counting_resumes():
    # Two good reps; the third happens with the pose lost from rising to lowered; then one
    # more good rep.
    keyframes = concat(SETTLE, repeat(BRIDGE, 4))
    third_start = 1.0 + 2 * 2.9
    gap = (third_start + 0.3, third_start + 2.6)
    steps = bridge_run(keyframes, gaps=[gap])
    done = events(steps, EventKind.REP_DONE)
    assert [e.data["rep"] for e in done] == [1, 2, 3]
    assert done[2].t > third_start + 2.9  # the count after the gap is the fourth bridge
    assert len(events(steps, EventKind.POSE_LOST)) == 1
    assert state_at(steps, gap[0] + 0.5).rep_count == 2
    assert steps[-1].update.rep_count == 3


def test_none_poses_only_never_count_or_start():
    steps = bridge_run([*SETTLE, (5.0, BRIDGE_REST)], gaps=[(0.0, 10.0)])
    assert all(s.update.phase == "setup" for s in steps)
    assert steps[-1].update.rep_count == 0
    assert [e.message for e in events(steps, EventKind.SETUP_HINT)] == ["I can't see you. Step into the camera's view."]


# -- lunge -------------------------------------------------------------------------------

LUNGE_DEF = find_exercise("lunge")
LUNGE_SPEC = LUNGE_DEF.reps
KNEE_90 = next(r for r in LUNGE_DEF.rules if r.id == "front_knee_90")
UPRIGHT = next(r for r in LUNGE_DEF.rules if r.id == "torso_upright")
assert LUNGE_SPEC is not None and LUNGE_SPEC.metric == "front_knee_flexion" and LUNGE_SPEC.increasing


def lunge_angles(front: str, hip: float, knee: float, back_hip: float, back_knee: float, **kw: float) -> Angles:
    back = "right" if front == "left" else "left"
    return Angles(
        **{f"{front}_hip": hip, f"{front}_knee": knee, f"{back}_hip": back_hip, f"{back}_knee": back_knee}, **kw
    )


def lunge_cycle(front: str, depth: float = 90.0, lean: float = 0.0):
    up = lunge_angles(front, 30.0, 15.0, -15.0, 20.0)
    down = lunge_angles(front, 80.0, depth, -5.0, 90.0, trunk_lean=lean)
    return [(0.0, up), (0.5, up), (1.5, down), (2.0, down), (3.0, up)]


def lunge_run(keyframes, facing="left"):
    return run("lunge", keyframes, facing=facing, legs_follow_trunk=False)


@pytest.mark.parametrize("facing", ["left", "right"])
@pytest.mark.parametrize("front", ["left", "right"])
def test_lunge_counts_on_the_front_leg(front, facing):
    cycle = lunge_cycle(front)
    steps = lunge_run(concat(cycle[:2], repeat(cycle, 3)), facing=facing)
    assert steps[-1].metrics.facing is Facing(facing)
    done = events(steps, EventKind.REP_DONE)
    assert len(done) == 3
    assert steps[-1].update.rep_count == 3
    for e in done:
        assert e.data["peak"] == pytest.approx(90.0, abs=1.5)
    assert all(s.metrics.front_side == front for s in steps)
    assert events(steps, *CORRECTIVE) == []


def test_lunge_legs_can_alternate():
    a, b = lunge_cycle("left"), lunge_cycle("right")
    steps = lunge_run(concat(a[:2], a, b, a, b), facing="right")
    counted = [s for s in steps if events([s], EventKind.REP_DONE)]
    assert [s.metrics.front_side for s in counted] == ["left", "right", "left", "right"]
    assert steps[-1].update.rep_count == 4


@pytest.mark.parametrize("front", ["left", "right"])
def test_shallow_lunge_cues_go_lower_within_the_rep(front):
    # Past the start threshold (a rep attempt) but short of the end and of the rule's minimum.
    shallow = (LUNGE_SPEC.start + min(LUNGE_SPEC.end, KNEE_90.minimum)) / 2
    cycle = lunge_cycle(front, depth=shallow)
    steps = lunge_run(concat(cycle[:2], cycle), facing="left")
    fails = events(steps, EventKind.RULE_FAIL, key="front_knee_90")
    assert len(fails) == 1
    assert fails[0].message == KNEE_90.cue_below == "Go lower, until your front knee is at 90 degrees."
    assert fails[0].data["direction"] == "below"
    assert fails[0].data["value"] == pytest.approx(shallow, abs=1.5)
    # Said as the attempt ends: after the bottom (t = 0.5 + 2.0) and by the time the knee is
    # back past the start threshold (+ smoothing lag).
    back_at_start = 0.5 + 2.0 + 1.0 * (shallow - LUNGE_SPEC.start) / (shallow - 15.0)
    assert 0.5 + 2.0 < fails[0].t <= back_at_start + 0.2
    assert steps[-1].update.rep_count == 0
    assert events(steps, EventKind.REP_DONE) == []


def test_too_deep_lunge_is_cued():
    deep = KNEE_90.maximum + 10.0
    cycle = lunge_cycle("left", depth=deep)
    steps = lunge_run(concat(cycle[:2], cycle), facing="left")
    fails = events(steps, EventKind.RULE_FAIL, key="front_knee_90")
    assert [f.message for f in fails] == [KNEE_90.cue_above]
    assert fails[0].data["value"] == pytest.approx(deep, abs=1.5)
    assert steps[-1].update.rep_count == (0 if KNEE_90.blocking else 1)


def test_lunge_leaning_at_the_bottom_is_cued():
    lean = UPRIGHT.maximum + 15.0
    cycle = lunge_cycle("left", lean=lean)
    steps = lunge_run(concat(cycle[:2], cycle), facing="left")
    fails = events(steps, EventKind.RULE_FAIL, key="torso_upright")
    assert [f.message for f in fails] == [UPRIGHT.cue_above]
    assert fails[0].data["value"] == pytest.approx(lean, abs=1.5)
    assert steps[-1].metrics.front_side == "left"  # leaning does not swap the roles


# -- couch stretch -----------------------------------------------------------------------

COUCH_DEF = find_exercise("couch_stretch")
COUCH_HOLD = COUCH_DEF.hold
TORSO = next(r for r in COUCH_DEF.rules if r.id == "torso_upright")
assert COUCH_HOLD is not None and TORSO.blocking


def couch(side: str = "left", lean: float = 0.0) -> Angles:
    """Back leg ``side`` (knee in the corner, shin up the wall), front leg at 90/90."""
    other = "right" if side == "left" else "left"
    return Angles(
        **{f"{side}_hip": -15.0, f"{side}_knee": 130.0, f"{other}_hip": 80.0, f"{other}_knee": 90.0},
        trunk_lean=lean,
    )


GOOD, LEAN = couch(), couch(lean=TORSO.maximum + 15.0)


def couch_run(keyframes, **kwargs):
    kwargs.setdefault("fps", 15.0)
    return run("couch_stretch", keyframes, posture="kneeling", facing="left", legs_follow_trunk=False, **kwargs)


def fault(start: float, length: float, ramp: float = 0.1):
    """Good form with a trunk-lean fault: the lean passes its maximum half-way up each ramp
    (almost: the ramp is to max + 15°), at ``start`` and ``start + length``."""
    return [
        (0.0, GOOD),
        (start - ramp / 2, GOOD),
        (start + ramp / 2, LEAN),
        (start + length - ramp / 2, LEAN),
        (start + length + ramp / 2, GOOD),
    ]


def test_couch_stretch_measures_as_built():
    steps = couch_run([(0.0, GOOD), (1.0, GOOD)])
    m = steps[-1].metrics
    assert m.front_side == "right"
    assert m.values["front_knee_flexion"] == pytest.approx(90.0, abs=1.0)
    assert m.values["trunk_lean"] == pytest.approx(0.0, abs=1.0)
    steps = couch_run([(0.0, LEAN), (1.0, LEAN)])
    assert steps[-1].metrics.values["trunk_lean"] == pytest.approx(TORSO.maximum + 15.0, abs=1.0)
    assert steps[-1].metrics.values["front_knee_flexion"] == pytest.approx(90.0, abs=1.0)


def test_couch_stretch_hold_timer_counts_good_form_time():
    steps = couch_run([(0.0, GOOD), (20.0, GOOD)], fps=30.0)
    started = first_t(steps, EventKind.HOLD_START)
    assert started == pytest.approx(COUCH_DEF.setup.settle_s + 1 / 30, abs=0.05)
    assert steps[-1].update.hold_s == pytest.approx(20.0 - started, abs=0.1)
    assert steps[-1].update.phase == "hold"


def test_couch_stretch_long_fault_cues_and_pauses():
    start, length = 10.0, 5.0
    steps = couch_run([*fault(start, length), (25.0, GOOD)])
    fails = events(steps, EventKind.RULE_FAIL, key="torso_upright")
    assert fails, "no torso_upright cue"
    assert start + TORSO.grace_s <= fails[0].t <= start + TORSO.grace_s + 0.5
    assert fails[0].message == TORSO.cue_above
    assert fails[0].data["direction"] == "above"
    pauses = events(steps, EventKind.HOLD_PAUSE)
    assert len(pauses) == 1
    assert start + COUCH_HOLD.grace_s <= pauses[0].t <= start + COUCH_HOLD.grace_s + 0.5
    # The clock holds still from the fault's edge (FAULT_EDGE_S before it) until form is back.
    held_at_fault = state_at(steps, start).hold_s - FAULT_EDGE_S
    assert state_at(steps, start + length - 0.1).hold_s == pytest.approx(held_at_fault, abs=0.1)
    assert pauses[0].data["held_s"] == pytest.approx(held_at_fault, abs=0.1)
    assert len(events(steps, EventKind.RULE_OK, key="torso_upright")) == 1
    assert len(events(steps, EventKind.HOLD_START)) == 2
    hold_start = first_t(steps, EventKind.HOLD_START)
    # The fault's leading edge is taken back; the settling after it counts once settled.
    good_time = (25.0 - hold_start) - length - FAULT_EDGE_S
    assert steps[-1].update.hold_s == pytest.approx(good_time, abs=0.15)  # a frame at 10 fps


def test_couch_stretch_short_fault_raises_nothing_and_keeps_the_clock():
    assert TORSO.grace_s > 0.3
    steps = couch_run([*fault(10.0, 0.3), (20.0, GOOD)])
    lean = [s.metrics.values["trunk_lean"] for s in steps]
    assert max(lean) > TORSO.maximum  # the fault was seen
    assert events(steps, *CORRECTIVE) == []
    hold_start = first_t(steps, EventKind.HOLD_START)
    assert len(events(steps, EventKind.HOLD_START)) == 1
    assert steps[-1].update.hold_s == pytest.approx(20.0 - hold_start, abs=0.1)


def test_couch_stretch_fault_between_rule_and_hold_grace_cues_but_keeps_the_clock():
    length = (TORSO.grace_s + COUCH_HOLD.grace_s) / 2
    steps = couch_run([*fault(10.0, length), (20.0, GOOD)])
    assert len(events(steps, EventKind.RULE_FAIL, key="torso_upright")) == 1
    assert events(steps, EventKind.HOLD_PAUSE) == []
    hold_start = first_t(steps, EventKind.HOLD_START)
    assert steps[-1].update.hold_s == pytest.approx(20.0 - hold_start, abs=0.1)


def test_couch_stretch_pose_lost_pauses_the_hold():
    gap = (8.0, 8.8)  # shorter than LOST_AFTER_S: no return to setup
    steps = couch_run([(0.0, GOOD), (15.0, GOOD)], gaps=[gap], fps=30.0)
    assert events(steps, EventKind.POSE_LOST) == []
    pauses = events(steps, EventKind.HOLD_PAUSE)
    assert len(pauses) == 1
    assert pauses[0].t == pytest.approx(gap[0], abs=0.05)  # at once, no grace
    assert state_at(steps, gap[1] - 0.05).hold_s == pytest.approx(state_at(steps, gap[0] - 0.05).hold_s, abs=0.05)
    hold_start = first_t(steps, EventKind.HOLD_START)
    assert steps[-1].update.hold_s == pytest.approx(15.0 - hold_start - (gap[1] - gap[0]), abs=0.1)


def test_couch_stretch_good_performance_both_sides_has_no_cue():
    right_side = couch("right")
    keyframes = [(0.0, GOOD), (COUCH_HOLD.min_s + 1.0, GOOD), (COUCH_HOLD.min_s + 2.0, right_side)]
    keyframes.append((2 * COUCH_HOLD.min_s + 5.0, right_side))
    steps = couch_run(keyframes, fps=10.0)
    assert events(steps, *CORRECTIVE) == []
    done = events(steps, EventKind.HOLD_DONE)
    assert [e.side for e in done] == ["left", "right"]
    assert done[0].t == pytest.approx(COUCH_HOLD.min_s + first_t(steps, EventKind.HOLD_START), abs=0.15)
    milestones = [f"left{m:g}" for m in COUCH_HOLD.milestones_left_s]
    assert [e.key for e in events(steps, EventKind.HOLD_MILESTONE)] == milestones * 2
    switch = events(steps, EventKind.SIDE_SWITCH)
    assert len(switch) == 1
    assert switch[0].side == "right"
    assert steps[-1].update.finished
    assert len(events(steps, EventKind.EXERCISE_DONE)) == 1


# -- HoldTimer ---------------------------------------------------------------------------


def test_hold_timer_frame_by_frame():
    timer = HoldTimer(HoldSpec(min_s=30.0, max_s=30.0, grace_s=2.0))
    # (t, in_form, visible) → (change, held_s, running)
    script = [
        ((0.0, True, True), ("start", 0.0, True)),
        ((0.5, True, True), (None, 0.5, True)),
        ((1.0, False, True), (None, 1.0, True)),  # a wobble within grace still counts
        ((1.5, False, True), (None, 1.5, True)),
        ((2.0, True, True), (None, 2.0, True)),
        ((2.5, False, True), (None, 2.5, True)),
        ((3.0, False, True), (None, 3.0, True)),
        ((3.5, False, True), (None, 3.5, True)),
        ((4.0, False, True), (None, 4.0, True)),  # 2.0 s into the break: still grace
        # Past grace: the break is taken back, and the half second before it (the fault's edge).
        ((4.5, False, True), ("pause", 1.5, False)),
        ((5.0, False, True), (None, 1.5, False)),
        ((5.5, True, True), (None, 1.5, False)),  # back in form: settling, not yet credited
        ((6.0, True, True), ("start", 2.0, True)),  # settled: the settling half second counts
        ((6.5, True, False), ("pause", 2.0, False)),  # pose lost: stops at once
        ((7.0, True, False), (None, 2.0, False)),
        ((7.5, True, True), ("start", 2.0, True)),  # after a lost pose no settling is needed
        ((8.0, True, True), (None, 2.5, True)),
    ]
    for (t, in_form, visible), (change, held, running) in script:
        assert timer.update(t, in_form, visible) == change, t
        assert timer.held_s == pytest.approx(held), t
        assert timer.running is running, t


def test_hold_timer_never_starts_out_of_form():
    timer = HoldTimer(HoldSpec(min_s=10.0, max_s=10.0))
    for i in range(20):
        assert timer.update(i * 0.1, False, True) is None
    assert timer.held_s == 0.0
    assert not timer.running


# -- RepCounter --------------------------------------------------------------------------

UP = RepSpec(metric="m", increasing=True, start=148.0, end=158.0, target=10, min_rep_s=0.8)
DOWN = RepSpec(metric="m", increasing=False, start=160.0, end=100.0, target=10, min_rep_s=0.5)


def feed(counter, values, dt=0.1, t0=0.0):
    closed = []
    for i, v in enumerate(values):
        ex = counter.update(t0 + i * dt, v)
        if ex is not None:
            closed.append(ex)
    return closed


def test_rep_counter_frame_by_frame():
    c = RepCounter(UP)
    # value → (moving, at_end, closed?)
    script = [
        (170.0, False, False, False),  # not primed: starting high is not an excursion
        (140.0, False, False, False),  # primed in the start band
        (150.0, True, False, False),  # left the start band
        (159.0, True, True, False),  # past the end
        (175.0, True, True, False),
        (155.0, True, False, False),  # below end, above start
        (147.0, False, False, True),  # back past start: closed
        (147.0, False, False, False),
    ]
    for i, (value, moving, at_end, closed) in enumerate(script):
        ex = c.update(i * 0.2, value)
        assert (c.moving, c.at_end, ex is not None) == (moving, at_end, closed), (i, value)
        if ex is not None:
            assert ex.reached_end
            assert ex.peak_value == 175.0
            # It left the start band (148) between 140 at 0.2 s and 150 at 0.4 s: at 0.36 s.
            assert (ex.start_t, ex.peak_t, ex.end_t) == pytest.approx((0.36, 0.8, 1.2))
            assert c.counts(ex)


@pytest.mark.parametrize("centre", [148.0, 158.0])
def test_rep_counter_hovering_adds_nothing(centre):
    c = RepCounter(UP)
    values = [140.0] + [150.0] * 3 + [centre + (3.0 if i % 2 else -3.0) for i in range(100)]
    closed = feed(c, values)
    if centre == 148.0:
        assert all(not c.counts(ex) for ex in closed)  # excursions that never reach the end
        assert all(not ex.reached_end for ex in closed)
    else:
        assert closed == []  # never back to start: the one rep is still open


def test_rep_counter_decreasing_direction():
    c = RepCounter(DOWN)
    closed = feed(c, [170, 165, 150, 120, 95, 90, 110, 150, 165, 170, 140, 130, 150, 170])
    assert len(closed) == 2
    assert c.counts(closed[0])
    assert closed[0].peak_value == 90
    assert not closed[1].reached_end
    assert not c.counts(closed[1])
    assert c.meaningful(closed[1])  # 160 → 130 is half way


BRIDGE_LIKE = RepSpec(metric="m", increasing=True, start=152.0, end=162.0, target=10, rest_margin=8.0)


def test_rep_counter_moves_the_start_band_in_to_a_low_rest():
    """A body and camera whose hips-down reads 121: a sagging rep to 150 never leaves the
    file's 152 band, but leaves the learnt 129 one, and is judged (not counted)."""
    c = RepCounter(BRIDGE_LIKE)
    rest = [121.0, 121.5] * 6  # 1.2 s held still
    feed(c, rest)
    assert c.start == pytest.approx(129.25)
    sag = [135.0, 145.0, 150.0, 150.0, 146.0, 141.0]  # up to 150, 9 down from it: closed
    (ex,) = feed(c, sag, t0=1.2)
    assert ex.peak_value == 150.0 and not ex.reached_end and not c.counts(ex)
    assert ex.end_t == pytest.approx(1.7)
    assert feed(c, [130.0, 135.0], t0=1.8) == []  # still on its way down: no new rep begins
    full = [121.0, 140.0, 165.0, 178.0, 178.0, 170.0, 160.0, 150.0, 128.0]
    (ex,) = feed(c, full, t0=2.0)
    assert c.counts(ex) and ex.peak_value == 178.0


def test_rep_counter_start_band_never_moves_out_and_ignores_moving_samples():
    c = RepCounter(BRIDGE_LIKE)
    feed(c, [149.0, 150.0] * 6)  # a high rest: 157.5 would be further out than 152
    assert c.start == 152.0
    c = RepCounter(BRIDGE_LIKE)
    feed(c, [100.0 + 5.0 * i for i in range(10)])  # sweeping through the band at 50/s: not resting
    assert c.start == 152.0


def test_rep_counter_counts_a_rep_cut_short_on_its_way_down():
    c = RepCounter(BRIDGE_LIKE)
    feed(c, [121.0] * 12)
    (ex,) = feed(c, [140.0, 165.0, 178.0, 178.0, 170.0, 160.0, 148.0], t0=1.2)  # the clip ends at 148
    assert c.counts(ex)


def test_rep_counter_too_fast_is_not_counted():
    c = RepCounter(UP)
    # Left the start band (148) 0.08 s in, between the samples at 140 and 150: 0.42 s out.
    (ex,) = feed(c, [140, 150, 160, 160, 150, 140], dt=0.1)
    assert ex.reached_end
    assert ex.end_t - ex.start_t == pytest.approx(0.42)
    assert not c.counts(ex)
    (ex,) = feed(c, [150, 160, 160, 160, 160, 160, 160, 160, 150, 140], dt=0.1, t0=5.0)
    assert ex.end_t - ex.start_t == pytest.approx(0.9)
    assert c.counts(ex)


def test_rep_counter_times_a_rep_from_where_it_left_the_start_band_at_any_frame_rate():
    # The same squat (knee 0 -> 100 -> 0 over 1.2 s, the start band under 35) at 24 and at 12
    # frames a second: frame to frame, 12 fps times it from the first sample out of the band.
    spec = RepSpec(metric="m", increasing=True, start=35.0, end=65.0, target=10, min_rep_s=0.6)
    for fps in (24.0, 12.0, 8.0):
        c = RepCounter(spec)
        times = [i / fps for i in range(int(2.0 * fps))]
        values = [100.0 * math.sin(math.pi * min(max(t - 0.3, 0.0), 1.2) / 1.2) for t in times]
        (ex,) = [e for t, v in zip(times, values, strict=True) if (e := c.update(t, v)) is not None]
        left = 0.3 + 1.2 * math.asin(0.35) / math.pi  # when the knee passed 35 on the way down
        assert ex.start_t == pytest.approx(left, abs=0.02), fps
        assert c.counts(ex), fps


HOLD_END = RepSpec(metric="m", increasing=True, start=148.0, end=158.0, target=1, min_rep_s=0.0, hold_end_s=1.0)


def test_rep_counter_hold_end():
    c = RepCounter(HOLD_END)
    (short,) = feed(c, [140, 150, 160, 160, 160, 150, 140], dt=0.3)  # at the end 0.6 s
    (long,) = feed(c, [150, 160, 160, 160, 160, 160, 150, 140], dt=0.3, t0=10.0)  # 1.2 s
    assert short.end_held_s == pytest.approx(0.6)
    assert not c.counts(short)
    assert long.end_held_s == pytest.approx(1.2)
    assert c.counts(long)


def test_rep_counter_first_sample_past_the_end_counts_as_at_the_end():
    c = RepCounter(HOLD_END)
    # 140 → 160 in one frame (fast move or a low frame rate), at the end 0.6 s, back.
    (ex,) = feed(c, [140, 160, 160, 160, 140], dt=0.3)
    assert ex.end_held_s == pytest.approx(0.6)  # got 0.3: the first 160 is not counted


def test_rep_counter_gaps():
    c = RepCounter(UP)
    # A short gap at the top is bridged: the rep still closes.
    closed = feed(c, [140, 150, 160, math.nan, math.nan, math.nan, 160, 150, 140], dt=0.15)
    assert len(closed) == 1
    assert c.counts(closed[0])
    assert closed[0].peak_value == 160
    # A long gap abandons the excursion and needs the start position again.
    c = RepCounter(UP)
    closed = feed(c, [140, 150, 160] + [math.nan] * 8 + [160, 150, 140, 150, 160, 160, 150, 140], dt=0.15)
    assert len(closed) == 1
    assert closed[0].start_t == pytest.approx(13.8 * 0.15)  # 148 crossed between 140 and 150


def test_rep_counter_forget_before():
    c = RepCounter(UP)
    feed(c, [140, 150, 160], dt=0.1)
    c.forget_before(1.0)
    assert not c.moving
    assert feed(c, [160, 150, 140], dt=0.1, t0=1.0) == []  # needs a fresh start position


# -- CycleCounter ------------------------------------------------------------------------


def circle_trace(turns_cw: float, turns_ccw: float, period=2.0, fps=30.0, radius=0.2, cx=0.1, cy=0.4):
    """Points on a circle, clockwise on screen first (image y down), then back."""
    out = []
    angle, t, step = 0.0, 0.0, 2 * math.pi / (period * fps)
    for direction, turns in ((1, turns_cw), (-1, turns_ccw)):
        for _ in range(round(turns * period * fps)):
            angle += direction * step
            t += 1 / fps
            out.append((t, cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return out


def trace_counts(trace, spec=None):
    counter = CycleCounter(spec or CycleSpec(x="x", y="y", target=3))
    said = [(t, d) for t, x, y in trace if (d := counter.update(t, x, y))]
    return counter, said


def test_cycle_counter_three_clockwise_then_two_counterclockwise():
    # A tenth of a turn beyond each, so sampling cannot decide a count at the very last frame.
    counter, said = trace_counts(circle_trace(3.1, 2.1))
    assert counter.counts == {"clockwise": 3, "counterclockwise": 2}
    assert [d for _, d in said] == ["clockwise"] * 3 + ["counterclockwise"] * 2


def test_cycle_counter_counts_the_first_circle():
    counter, _ = trace_counts(circle_trace(3.1, 0.0))
    assert counter.counts["clockwise"] == 3


def test_cycle_counter_reversal_after_overshoot():
    counter, _ = trace_counts(circle_trace(3.5, 2.1))
    assert counter.counts == {"clockwise": 3, "counterclockwise": 2}


def test_cycle_counter_steady_state_one_count_per_turn():
    # Once under way, every further full turn counts one, one period apart, in the right
    # direction; with some slack in each direction the totals are {3, 2}.
    counter, said = trace_counts(circle_trace(3.5, 2.5))
    assert counter.counts == {"clockwise": 3, "counterclockwise": 2}
    assert [d for _, d in said] == ["clockwise"] * 3 + ["counterclockwise"] * 2
    cw_times = [t for t, d in said if d == "clockwise"]
    ccw_times = [t for t, d in said if d == "counterclockwise"]
    assert cw_times[1] - cw_times[0] == pytest.approx(2.0, abs=0.1)
    assert cw_times[2] - cw_times[1] == pytest.approx(2.0, abs=0.1)
    # The running-mean centre lags a reversal a little: allow a few frames.
    assert ccw_times[1] - ccw_times[0] == pytest.approx(2.0, abs=0.15)
    assert cw_times[0] < 2.0 * 1.5  # the first within one and a half turns


def test_cycle_counter_counts_in_the_right_direction():
    # The same circle mirrored top to bottom is traced counterclockwise on screen.
    trace = [(t, x, 2 * 0.4 - y) for t, x, y in circle_trace(2.5, 0.0)]
    counter, said = trace_counts(trace)
    assert counter.counts == {"clockwise": 0, "counterclockwise": 2}
    assert [d for _, d in said] == ["counterclockwise"] * 2


def test_cycle_counter_ignores_small_wobbles_and_nan():
    counter, said = trace_counts(
        circle_trace(3.0, 0.0, radius=0.03), CycleSpec(x="x", y="y", target=3, min_radius=0.05)
    )
    assert said == []
    assert counter.update(100.0, math.nan, 0.0) is None
    assert counter.counts == {"clockwise": 0, "counterclockwise": 0}


# -- RuleTracker ---------------------------------------------------------------------------


def test_rule_tracker_grace_repeat_and_ok():
    rule = Rule(id="r", metric="m", phases=(Phase.ANY,), maximum=20.0, grace_s=0.5, cue_above="Up.")
    tr = RuleTracker(rule, repeat_s=2.0, side="left")
    # (t, value) → kinds of events
    script = [
        (0.0, 10.0, []),
        (0.1, 25.0, []),  # fault begins
        (0.5, 25.0, []),
        (0.6, 26.0, [EventKind.RULE_FAIL]),  # 0.5 s: raised
        (1.0, 30.0, []),
        (2.6, 30.0, [EventKind.RULE_FAIL]),  # repeated after repeat_s
        (2.7, 15.0, [EventKind.RULE_OK]),
        (2.8, 25.0, []),  # a new fault needs its own grace
        (3.0, math.nan, []),  # unknown: the fault is forgotten, not raised
        (3.2, 25.0, []),
        (3.6, 15.0, []),
    ]
    for t, value, kinds in script:
        result, evs = tr.update(t, value, True)
        assert [e.kind for e in evs] == kinds, t
        if kinds and kinds[0] is EventKind.RULE_FAIL:
            assert evs[0].message == "Up."
            assert evs[0].side == "left"
            assert result.direction == "above"
    assert tr.update(4.0, 99.0, False)[0].ok is None  # not judged in this phase


# -- sessions from plain Metrics -----------------------------------------------------------


def test_session_counts_reps_from_metrics():
    session = ExerciseSession(find_exercise("glute_bridge"))
    parts = frozenset({"shoulder", "hip", "knee", "ankle"})
    lo, hi = BRIDGE_SPEC.start - 10.0, BRIDGE_SPEC.end + 10.0
    ramp = [lo + (hi - lo) * k / 5 for k in range(6)]
    rep = ramp + [hi] * 3 + ramp[::-1] + [lo] * 5  # 1.4 s out and back at 10 fps
    values = [lo] * 20 + rep * 3
    updates = []
    for i, khs in enumerate(values):
        m = Metrics(
            t=i * 0.1,
            frame_index=i,
            values={"knee_hip_shoulder": khs, "knee_flexion": 90.0},
            facing=Facing.LYING,
            parts_in_frame=parts,
        )
        updates.append(session.update(m))
    assert updates[-1].rep_count == 3
    assert [e.data["rep"] for u in updates for e in u.events if e.kind is EventKind.REP_DONE] == [1, 2, 3]
    assert updates[0].phase == "setup"
    assert updates[5].phase == "start"
    assert {u.phase for u in updates} >= {"setup", "start", "moving", "end"}
    # Losing sight of the body (no pose) for over a second sends the session back to setup.
    lost = [session.update(Metrics(t=20.0 + i * 0.1, frame_index=500 + i, values={}, visible=False)) for i in range(15)]
    assert any(e.kind is EventKind.POSE_LOST for u in lost for e in u.events)
    assert lost[-1].phase == "setup"
    assert lost[-1].rep_count == 3


# -- RelativeSignal ---------------------------------------------------------------------------


@pytest.mark.parametrize(("offset", "amplitude"), [(-1.5, 0.1), (0.0, 0.25), (2.0, 0.8)])
def test_relative_signal_counts_small_swings_whatever_their_level_and_size(offset: float, amplitude: float) -> None:
    # Hip shifting seen from cameras that put the knees' height difference at different levels
    # and scales: a swing to either side every 1.1 s (one shift: a side and back, 2.2 s).
    spec = RepSpec(metric="knee_height_diff", increasing=True, start=0.3, end=0.7, target=99, relative=True,
                   min_spread=0.05, min_rep_s=0.5)  # fmt: skip
    signal, counter = RelativeSignal(spec.window_s, spec.min_spread), RepCounter(spec)
    reps = 0
    for i in range(int(26.4 * 30)):
        t = i / 30
        value = offset + amplitude * math.sin(2 * math.pi * t / 2.2)
        excursion = counter.update(t, abs(signal.update(t, value)))
        reps += excursion is not None and counter.counts(excursion)
    assert reps in (21, 22, 23)  # 24 swings in 26.4 s, less the first half window


def test_relative_signal_replays_its_warm_up_so_the_first_swing_counts() -> None:
    # As the checker feeds it: the samples from before the centre was known, judged once it
    # is, go to the counter first. The session's first shift (0-1.1 s) counts from its start.
    spec = RepSpec(metric="knee_height_diff", increasing=True, start=0.3, end=0.7, target=99, relative=True,
                   min_spread=0.05, min_rep_s=0.5)  # fmt: skip
    signal, counter = RelativeSignal(spec.window_s, spec.min_spread), RepCounter(spec)
    starts = []
    for i in range(int(26.4 * 30)):
        t = i / 30
        live = signal.update(t, 0.4 + 0.2 * math.sin(2 * math.pi * t / 2.2))
        for sample_t, swing in [*signal.take_warm_up(), (t, live)]:
            excursion = counter.update(sample_t, abs(swing))
            if excursion is not None and counter.counts(excursion):
                starts.append(excursion.start_t)
    assert len(starts) in (23, 24)  # 24 swings; the last may not be back by the end
    assert starts[0] < 0.5
    assert signal.take_warm_up() == []  # replayed once


def test_relative_signal_stays_quiet_on_noise_below_the_smallest_swing() -> None:
    signal = RelativeSignal(4.0, min_spread=0.05)
    rng = np.random.default_rng(1)
    values = [signal.update(i / 30, 0.3 + 0.005 * rng.standard_normal()) for i in range(300)]
    assert max(abs(v) for v in values if math.isfinite(v)) < 0.7


# -- keys: intents applied between frames ------------------------------------------------------


def test_skip_and_restart_are_applied_by_the_runner_between_frames() -> None:
    from formcoach.types import Intent

    session = ExerciseSession(find_exercise("couch_stretch"))
    assert session.sides == ("left", "right")
    metrics = Metrics(0.0, 0, {}, visible=False)
    assert session.update(metrics).side == "left"
    session.apply(Intent.SKIP_SIDE, 0.5)
    switched = session.update(Metrics(0.6, 1, {}, visible=False))
    assert switched.side == "right"
    assert [e.kind for e in switched.events][:1] == [EventKind.SIDE_SWITCH]
    session.apply(Intent.RESTART_SIDE, 0.7)
    again = session.update(Metrics(0.8, 2, {}, visible=False))
    assert again.side == "right" and again.phase == "setup"
    session.apply(Intent.SKIP_SIDE, 0.9)
    done = session.update(Metrics(1.0, 3, {}, visible=False))
    assert done.finished and EventKind.EXERCISE_DONE in [e.kind for e in done.events]


def test_each_hip_shift_is_counted_for_the_side_the_knees_tip_to() -> None:
    # The knees' height difference swings + (left knee up: a tip to the right) then − every
    # 2.2 s, around a level and at a scale of this camera's own.
    from formcoach.checkers.progress import RepProgress
    from formcoach.checkers.rule_set import RuleSet

    exercise = find_library_exercise("supine_hip_shifting")
    progress = RepProgress(exercise, "both", RuleSet(exercise, "both", per_rep=True))
    legs = []
    for i in range(22 * 30):
        t = i / 30
        swing = 0.6 * math.sin(2 * math.pi * t / 4.4)  # + for 2.2 s, then − for 2.2 s
        metrics = Metrics(t, i, {"knee_height_diff": 1.2 + swing, "knee_gap": 0.3, "thigh_angle_3d": 10.0})
        events: list[Event] = []
        progress.update(metrics, events)
        for e in events:
            if e.kind is EventKind.REP_DONE:
                middle = (float(e.data["start_s"]) + e.t) / 2
                tipped = "right" if math.sin(2 * math.pi * middle / 4.4) > 0 else "left"
                legs.append((e.data["leg"], tipped))
    assert len(legs) >= 8  # 10 swings in 22 s
    assert all(counted == tipped for counted, tipped in legs), legs
    assert {tipped for _, tipped in legs} == {"left", "right"}
