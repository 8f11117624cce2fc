"""Every exercise in the library, performed well and with each of its faults.

The performances are built from each file's own definition, as streams of measurements:
a good one keeps every rule at its target while the reps, hold or circles go to plan; a
faulty one pushes one rule's measurement out of its band in the phase it is judged. So any
file a physiotherapist adds is checked for coherence (reachable bands, countable reps, a cue
for every fault) with no test to write. tests/test_checkers.py and tests/test_library_on_poses.py
drive exercises from synthetic 33-landmark poses; this sweep covers the whole library at the
measurement level.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest

from formcoach.checkers.rule_set import BASELINE_S
from formcoach.checkers.session import ExerciseSession
from formcoach.checkers.words import say_number
from formcoach.exercises.loader import load_library
from formcoach.exercises.schema import ExerciseDef, Kind, Phase, Posture, Rule
from formcoach.feedback.cue_policy import CuePolicy
from formcoach.measurements import BODY_PARTS
from formcoach.types import Event, EventKind, Metrics
from formcoach.view import CameraView
from formcoach.view import Posture as BodyPosture

FPS = 30.0
# espeak-ng at its default rate says the couch stretch's 62-character start cue in 4.4 s.
SPOKEN_CHARS_PER_S = 14.0
HOLD_FAULT = (BASELINE_S + 1.0, BASELINE_S + 5.0)  # after the baseline is learned, before the hold is done
LIBRARY = load_library()


def camera_at(exercise: ExerciseDef, azimuth: float) -> CameraView:
    """The camera exactly where the exercise asks for it (either side for a side view)."""
    posture = BodyPosture.ON_BACK if exercise.posture is Posture.LYING else BodyPosture.UPRIGHT
    return CameraView(posture, azimuth, 10.0)


CASES = [
    (exercise_id, side, azimuth)
    for exercise_id, exercise in sorted(LIBRARY.items())
    for side in exercise.sides
    for azimuth in exercise.view.azimuths or (90.0,)
]


def good_value(rule: Rule) -> float:
    if rule.target is not None:
        return rule.target
    if math.isfinite(rule.minimum) and math.isfinite(rule.maximum):
        return (rule.minimum + rule.maximum) / 2
    return rule.minimum + 5 if math.isfinite(rule.minimum) else rule.maximum - 5


def bad_value(rule: Rule) -> float:
    """Clearly out of the band (on its more natural side)."""
    width = 0.0 if not (math.isfinite(rule.minimum) and math.isfinite(rule.maximum)) else rule.maximum - rule.minimum
    margin = max(8.0, 0.5 * width) if abs(good_value(rule)) > 2 else max(0.3, 0.5 * width)
    return rule.maximum + margin if math.isfinite(rule.maximum) else rule.minimum - margin


@dataclass
class Performance:
    exercise: ExerciseDef  # bound to a side
    azimuth: float
    fault: Rule | None = None  # the rule broken in the faulty performance
    out_after_s: float | None = None  # holds: the user comes out of the position then

    def base(self) -> dict[str, float]:
        """A value for every measurement inside every band that applies to it (setup and rules)."""
        bands: dict[str, tuple[float, float]] = {}
        targets: dict[str, float] = {}

        def narrow(name: str, low: float, high: float) -> None:
            old_low, old_high = bands.get(name, (-math.inf, math.inf))
            bands[name] = (max(old_low, low), min(old_high, high))

        for condition in self.exercise.setup.conditions:
            narrow(condition.metric, condition.minimum, condition.maximum)
        for rule in self.exercise.rules:
            if rule.relative:
                bands.setdefault(rule.metric, (-math.inf, math.inf))  # any steady level is good
                continue
            narrow(rule.metric, rule.minimum, rule.maximum)
            if rule.target is not None:
                targets[rule.metric] = rule.target
        values: dict[str, float] = {}
        for name, (low, high) in bands.items():
            assert low < high, f"{self.exercise.id}: no value of {name} satisfies every band"
            target = targets.get(name)
            if target is not None and low <= target <= high:
                values[name] = target
            elif math.isfinite(low) and math.isfinite(high):
                values[name] = (low + high) / 2
            elif math.isfinite(low) or math.isfinite(high):
                values[name] = low + 5 if math.isfinite(low) else high - 5
            else:
                values[name] = 0.0
        for name in self.exercise.metric_names():
            values.setdefault(name, 0.0)
        return values

    def frame(self, index: int, values: dict[str, float]) -> Metrics:
        view = camera_at(self.exercise, self.azimuth)
        return Metrics(index / FPS, index, dict(values), parts_in_frame=frozenset(BODY_PARTS), view=view)

    def faulty(self, rule: Rule, values: dict[str, float]) -> dict[str, float]:
        out = dict(values)
        out[rule.metric] = (values[rule.metric] + bad_value(rule)) if rule.relative else bad_value(rule)
        return out

    def out_of_position(self, values: dict[str, float]) -> dict[str, float]:
        """Every blocking rule broken: the user has come out of the position."""
        for rule in self.exercise.rules:
            values = self.faulty(rule, values) if rule.blocking else values
        return values

    def frames(self) -> Iterator[Metrics]:
        kind = self.exercise.kind
        if kind is Kind.REPS:
            yield from self.rep_frames()
        elif kind is Kind.HOLD:
            yield from self.hold_frames()
        else:
            yield from self.cycle_frames()

    def rep_frames(self) -> Iterator[Metrics]:
        spec = self.exercise.reps
        assert spec is not None
        base = self.base()
        gap = abs(spec.end - spec.start)
        sign = 1 if spec.increasing else -1
        rest_value = spec.start - sign * gap
        # Where the rep's extreme must sit: past the end threshold, and at the target of any
        # END rule on the same measurement.
        peak = spec.end + sign * gap
        for rule in self.exercise.rules:
            if rule.metric == spec.metric and not rule.relative:
                peak = good_value(rule) if spec.past_end(good_value(rule)) else peak
        # A depth rule whose fault lies short of the end position (a squat too shallow to
        # count): every try turns back there, and each is judged at its deepest frame.
        if self.fault is not None and self.fault.metric == spec.metric and not spec.past_end(bad_value(self.fault)):
            peak = bad_value(self.fault)
        legs = spec.leg_metrics()
        index = 0
        reps = 3
        timeline = [(0.0, rest_value), (2.0, rest_value)]
        top_s = max(1.0, spec.hold_end_s + 0.5)  # as long at the top as the file asks
        for _ in range(reps):
            t = timeline[-1][0]
            timeline += [(t + 1.0, peak), (t + 1.0 + top_s, peak), (t + 2.0 + top_s, rest_value)]
            timeline.append((timeline[-1][0] + 0.5, rest_value))
        end_t = timeline[-1][0]
        while index / FPS <= end_t:
            t = index / FPS
            value = interpolate(timeline, t)
            values = dict(base)
            values[spec.metric] = value
            if legs:
                values[legs[0]], values[legs[1]] = 30.0, 0.0
            at_end = spec.past_end(value)
            if self.fault is not None and t > 2.0:
                rule = self.fault
                judged_now = (Phase.END in rule.phases and at_end) or (
                    Phase.ANY in rule.phases
                    or (Phase.MOVING in rule.phases and not at_end)
                    or Phase.START in rule.phases
                )
                if judged_now and rule.metric != spec.metric:
                    values = self.faulty(rule, values)
                elif rule.metric == spec.metric and at_end:
                    values[spec.metric] = bad_value(rule) if spec.past_end(bad_value(rule)) else value
            yield self.frame(index, values)
            index += 1

    def hold_frames(self) -> Iterator[Metrics]:
        hold = self.exercise.hold
        assert hold is not None
        base = self.base()
        fault_window = HOLD_FAULT
        work = hold.sets * hold.max_s + (hold.sets - 1) * hold.rest_s  # staying to max_s each set
        total = BASELINE_S + 1.0 + work + (fault_window[1] - fault_window[0] if self.fault else 0.0) + 2.0
        for index in range(int(total * FPS)):
            t = index / FPS
            values = base
            if self.fault is not None and fault_window[0] <= t < fault_window[1]:
                values = self.faulty(self.fault, base)
            elif self.out_after_s is not None and t >= self.out_after_s:
                values = self.out_of_position(base)
            yield self.frame(index, values)

    def cycle_frames(self) -> Iterator[Metrics]:
        spec = self.exercise.cycles
        assert spec is not None
        base = self.base()
        radius, period = max(0.2, 4 * spec.min_radius), 2.0
        turns = spec.target + 0.5
        count = int(2 * turns * period * FPS)
        for index in range(count):
            t = index / FPS
            # Clockwise first (y grows downward on screen), then back the other way.
            phase = 2 * math.pi * (t / period if t < turns * period else 2 * turns - t / period)
            values = dict(base)
            values[spec.x], values[spec.y] = radius * math.cos(phase), radius * math.sin(phase)
            if self.fault is not None and 2.0 <= t < 6.0:
                values = self.faulty(self.fault, values)
            yield self.frame(index, values)


def interpolate(timeline: list[tuple[float, float]], t: float) -> float:
    for (t0, v0), (t1, v1) in itertools.pairwise(timeline):
        if t0 <= t <= t1:
            return v0 + (v1 - v0) * (t - t0) / (t1 - t0) if t1 > t0 else v1
    return timeline[-1][1]


def run(performance: Performance) -> list[Event]:
    session = ExerciseSession(performance.exercise, (performance.exercise.sides[0],))
    events: list[Event] = []
    for metrics in performance.frames():
        events.extend(session.update(metrics).events)
    return events


def bound(exercise_id: str, side: str) -> ExerciseDef:
    """The exercise bound to ``side`` and coached on that side only."""
    return replace(LIBRARY[exercise_id].for_side(side), sides=(side,))


@pytest.mark.parametrize(("exercise_id", "side", "azimuth"), CASES)
def test_good_performance_goes_to_plan_without_a_cue(exercise_id: str, side: str, azimuth: float) -> None:
    exercise = bound(exercise_id, side)
    events = run(Performance(exercise, azimuth))
    cues = [e for e in events if e.kind is EventKind.RULE_FAIL]
    assert cues == [], [(e.t, e.key, e.message) for e in cues]
    if exercise.kind is Kind.REPS:
        assert len([e for e in events if e.kind is EventKind.REP_DONE]) == 3
        said = [e.message for e in events if e.key == "encouragement"]
        assert said == list(exercise.cues.encouragement[:1])  # after the third good rep
    elif exercise.kind is Kind.HOLD:
        assert exercise.hold is not None
        [done] = [e for e in events if e.kind is EventKind.HOLD_DONE]
        sets = [float(e.data["held_s"]) for e in events if e.kind is EventKind.SET_DONE]
        held = (sets or [float(done.data["held_s"])]) if exercise.hold.sets > 1 else [float(done.data["held_s"])]
        assert held == pytest.approx([exercise.hold.max_s] * exercise.hold.sets, abs=0.1)
    else:
        assert exercise.cycles is not None
        circles = [e.data["direction"] for e in events if e.kind is EventKind.CYCLE_DONE]
        assert circles.count("clockwise") == exercise.cycles.target
        assert circles.count("counterclockwise") == exercise.cycles.target


FAULT_CASES = [
    (exercise_id, side, azimuth, rule.id)
    for exercise_id, side, azimuth in CASES
    for rule in LIBRARY[exercise_id].rules
    if azimuth != -90.0  # one side of the body is enough for faults
]


@pytest.mark.parametrize(("exercise_id", "side", "azimuth", "rule_id"), FAULT_CASES)
def test_each_fault_raises_its_own_cue(exercise_id: str, side: str, azimuth: float, rule_id: str) -> None:
    exercise = bound(exercise_id, side)
    rule = next(r for r in exercise.rules if r.id == rule_id)
    events = run(Performance(exercise, azimuth, fault=rule))
    cues = [e for e in events if e.kind is EventKind.RULE_FAIL]
    assert cues, f"{rule_id} never raised"
    assert {e.key for e in cues} == {rule_id}, [(e.t, e.key) for e in cues]
    assert cues[0].message in (rule.cue_below, rule.cue_above)
    if exercise.kind is Kind.HOLD:
        # Raised within grace + 0.5 s of the fault's start; a blocking fault pauses the clock.
        assert cues[0].t - HOLD_FAULT[0] <= rule.grace_s + 0.5
        pauses = [e for e in events if e.kind is EventKind.HOLD_PAUSE and HOLD_FAULT[0] <= e.t <= HOLD_FAULT[1]]
        assert bool(pauses) == rule.blocking


def spoken(performance: Performance, after_s: float = 120.0) -> list[str]:
    """What a speaker taking ``SPOKEN_CHARS_PER_S`` says of the performance, through the cue
    policy; time runs on ``after_s`` past the last frame with nothing new happening."""
    exercise = performance.exercise
    session = ExerciseSession(exercise, (exercise.sides[0],))
    policy = CuePolicy(cooldown_s=exercise.cues.cooldown_s)
    said: list[str] = []
    busy_until = -math.inf

    def hear(events: tuple[Event, ...], t: float) -> None:
        nonlocal busy_until
        utterance = policy.offer(events, t, speaker_idle=t >= busy_until)
        if utterance is not None:
            said.append(utterance.text)
            busy_until = t + len(utterance.text) / SPOKEN_CHARS_PER_S

    t = 0.0
    for metrics in performance.frames():
        t = metrics.t
        hear(session.update(metrics).events, t)
    for i in range(1, int(after_s * FPS)):
        hear((), t + i / FPS)
    return said


ADVISED = [(exercise_id, side, azimuth) for exercise_id, side, azimuth in CASES if LIBRARY[exercise_id].advice]


@pytest.mark.parametrize(("exercise_id", "side", "azimuth"), ADVISED)
def test_every_advice_item_is_said_in_order_after_the_start_cue(exercise_id: str, side: str, azimuth: float) -> None:
    exercise = bound(exercise_id, side)
    said = spoken(Performance(exercise, azimuth))
    start = next(i for i, text in enumerate(said) if text.startswith("Three, two, one."))
    advice = [text for text in said[start:] if text in exercise.advice]
    # All of it, in order, from the start cue on (and again from a second set's start).
    assert advice[: len(exercise.advice)] == list(exercise.advice), said


STAYING = [(exercise_id, side) for exercise_id, side, azimuth in CASES if azimuth == 90.0]


@pytest.mark.parametrize(("exercise_id", "side"), STAYING)
def test_a_hold_runs_on_to_max_s_while_the_user_stays_and_ends_when_they_come_out(exercise_id: str, side: str) -> None:
    exercise = bound(exercise_id, side)
    hold = exercise.hold
    if hold is None or hold.max_s == hold.min_s:
        pytest.skip("no hold, or none longer than its target")
    clock_start = exercise.setup.settle_s
    stay = min(5.0, (hold.max_s - hold.min_s) / 2)  # past the target, short of max_s
    events = run(Performance(exercise, 90.0, out_after_s=clock_start + hold.min_s + stay))
    [target] = [e for e in events if e.key == "target"]
    assert target.message.startswith(f"{say_number(int(hold.min_s))} seconds. Stay up to")
    assert target.t == pytest.approx(clock_start + hold.min_s, abs=0.2)
    [first] = [e for e in events if e.kind in (EventKind.SET_DONE, EventKind.HOLD_DONE)][:1]
    # Out of form for the blocking rules' grace, then the edge before the break is taken back.
    assert hold.min_s + stay - 1.0 <= float(first.data["held_s"]) <= hold.min_s + stay
    assert first.t == pytest.approx(clock_start + hold.min_s + stay + hold.grace_s, abs=0.2)
