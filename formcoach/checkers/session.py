"""The exercise checker: measurements and time in, a ``CheckerUpdate`` with events out.

Pure and deterministic: it never reads a clock or a camera, so a live run, a file run, a
replay of recorded poses and a test with synthetic measurements behave identically.

One ``SideChecker`` coaches one side (or a bilateral move): camera setup first, then reps,
a hold or circles, sets with rest between them. ``ExerciseSession`` runs the sides in
order with a spoken switch between them.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from formcoach.checkers.counters import CycleCounter, Excursion, HoldTimer, RelativeSignal, RepCounter
from formcoach.checkers.rules import RuleTracker
from formcoach.checkers.setup import SetupGuide
from formcoach.exercises.schema import BOTH, ExerciseDef, Kind, Phase, Rule
from formcoach.measurements import MEASUREMENTS
from formcoach.types import (
    CORRECTION,
    COUNT,
    ENCOURAGEMENT,
    SAFETY,
    CheckerUpdate,
    Event,
    EventKind,
    Metrics,
    RuleResult,
)

_UNITS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
)
LOST_AFTER_S = 1.0  # a pose or part gone this long sends the user back to setup
ENCOURAGE_EVERY = 3  # reps between words of encouragement
BASELINE_S = 1.0  # relative rules measure the user's own value over this long first
# Time at a rep's end position counts as "held" only while the measurement has stayed this
# steady over a short window: the ends of the rise and the lowering pass through the end band
# (and turn there, still for a frame) without holding it. Bridge renders (5 bodies, 4 good
# reps of a 2 s top hold = 8 s): 9.1–10.0 s with a frame-to-frame rate, 8.2–8.7 s with the window.
STEADY_RATE = {"deg": 10.0}  # per second; other units: 0.1 of the unit per second
DEFAULT_STEADY_RATE = 0.1
STEADY_WINDOW_S = 0.3


_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def say_number(n: int) -> str:
    """Counts as words, so every speech engine says them the same way ("Thirty-five")."""
    if 0 <= n < len(_UNITS):
        words = _UNITS[n]
    elif 20 <= n < 100:
        words = _TENS[n // 10] + (f"-{_UNITS[n % 10]}" if n % 10 else "")
    else:
        return str(n)
    return words.capitalize()


def format_cue(text: str, exercise: ExerciseDef, side: str) -> str:
    values = {
        "side": "" if side == BOTH else side,
        "min_s": f"{exercise.hold.min_s:g}" if exercise.hold else "",
        "max_s": f"{exercise.hold.max_s:g}" if exercise.hold else "",
        "target": str(exercise.reps.target if exercise.reps else exercise.cycles.target if exercise.cycles else ""),
        "name": exercise.name,
    }
    try:
        return " ".join(text.format(**values).split())
    except (KeyError, IndexError, ValueError):
        return text


@dataclass
class _Progress:
    phase: str = "setup"
    set_index: int = 1
    reps: int = 0


class SideChecker:
    """Coaches one side of one exercise (``exercise`` already bound to that side)."""

    def __init__(self, exercise: ExerciseDef, side: str) -> None:
        self.exercise = exercise
        self.side = side
        self.trackers = [RuleTracker(rule, exercise.cues.cooldown_s, side) for rule in exercise.rules]
        self.hold = HoldTimer(exercise.hold) if exercise.hold else None
        self.reps = RepCounter(exercise.reps) if exercise.reps else None
        self._relative = (
            RelativeSignal(exercise.reps.window_s, exercise.reps.min_spread)
            if exercise.reps and exercise.reps.relative
            else None
        )
        self.cycles = CycleCounter(exercise.cycles) if exercise.cycles else None
        self.state = _Progress()
        self.finished = False
        self._ready_since: float | None = None
        self.guide = SetupGuide(exercise, side)
        self._rule_metrics = {rule.id: rule.metric for rule in exercise.rules}
        self._lost_since: float | None = None
        self._rest_until = 0.0
        self._milestones_said: set[float] = set()
        self._peak_metrics: Metrics | None = None
        self._end_position_s = 0.0
        self._last_rep_t: float | None = None
        self._recent: deque[tuple[float, float]] = deque()  # the rep measurement over STEADY_WINDOW_S
        unit = MEASUREMENTS[exercise.reps.metric].unit if exercise.reps else "deg"
        self._steady_rate = STEADY_RATE.get(unit, DEFAULT_STEADY_RATE)
        self._active_since: float | None = None
        self._baseline_samples: dict[str, list[float]] = {r.id: [] for r in exercise.rules if r.relative}
        self._baseline: dict[str, float] = {}

    # -- setup -------------------------------------------------------------------------
    def _update_setup(self, metrics: Metrics, events: list[Event]) -> None:
        problem = self.guide.problem(metrics)
        events.extend(self.guide.say(problem, metrics.t))
        if problem:
            self._ready_since = None
            return
        if self._ready_since is None:
            self._ready_since = metrics.t
        if metrics.t - self._ready_since >= self.exercise.setup.settle_s:
            # Setup counts as confirmed from when it began to hold: a rep the user started
            # during the settle time is theirs; one begun before it was getting into position.
            if self.reps:
                self.reps.forget_before(self._ready_since)
            self.state.phase = "active"
            self._active_since = metrics.t
            self._lost_since = None
            start = format_cue(self.exercise.cues.start, self.exercise, self.side)
            events.append(Event(metrics.t, EventKind.START, "start", f"Three, two, one. {start}", SAFETY, self.side))
            events.extend(
                Event(metrics.t, EventKind.ADVICE, f"advice{i}", text, ENCOURAGEMENT, self.side)
                for i, text in enumerate(self.exercise.advice)
            )

    def _check_still_in_view(self, metrics: Metrics, events: list[Event]) -> bool:
        """False once the person has been out of view long enough to go back to setup."""
        missing = not metrics.visible or any(p not in metrics.parts_in_frame for p in self.exercise.setup.parts)
        if not missing:
            self._lost_since = None
            return True
        if self._lost_since is None:
            self._lost_since = metrics.t
        if metrics.t - self._lost_since < LOST_AFTER_S:
            return True
        events.append(Event(metrics.t, EventKind.POSE_LOST, "pose_lost", "", SAFETY, self.side))
        self.state.phase = "setup"
        self._ready_since = None
        self.guide.forget()
        if self.reps:
            self.reps.reset()
        for tracker in self.trackers:
            tracker.reset()
        return False

    # -- active ------------------------------------------------------------------------
    def _rep_phase(self) -> Phase:
        assert self.reps is not None
        if self.reps.at_end:
            return Phase.END
        return Phase.MOVING if self.reps.moving else Phase.START

    def _judge_continuous(self, metrics: Metrics, phase: Phase, events: list[Event]) -> list[RuleResult]:
        results = []
        for tracker in self.trackers:
            rule = tracker.rule
            # END-phase rules of a rep exercise are judged once per rep, at its extreme.
            continuous = rule.applies_in(phase) and not (self.reps and rule.phases == (Phase.END,))
            result, new = tracker.update(metrics.t, self._rule_value(rule, metrics), continuous)
            results.append(result)
            events.extend(new)
        return results

    def _rule_value(self, rule: Rule, metrics: Metrics) -> float:
        """The value a rule judges: the measurement, or its offset from the user's baseline."""
        value = metrics.get(rule.metric)
        if not rule.relative:
            return value
        return value - self._baseline.get(rule.id, math.nan)

    def _learn_baseline(self, metrics: Metrics) -> None:
        if not self._baseline_samples or self._active_since is None:
            return
        if metrics.t - self._active_since <= BASELINE_S:
            for rule in self.exercise.rules:
                value = metrics.get(rule.metric)
                if rule.relative and math.isfinite(value):
                    self._baseline_samples[rule.id].append(value)
            return
        for rule_id, samples in self._baseline_samples.items():
            if samples and rule_id not in self._baseline:
                self._baseline[rule_id] = float(np.median(samples))

    def _blocking_verdict(self, metrics: Metrics) -> tuple[bool, bool]:
        """(every blocking rule passes, every blocking rule could be judged).

        An unknown value means the body part is not seen: not holding. A relative rule still
        learning the user's own value does not stop the clock.
        """
        in_form = known = True
        for tracker in self.trackers:
            rule = tracker.rule
            if not rule.blocking or (rule.relative and rule.id not in self._baseline):
                continue
            verdict = rule.judge(self._rule_value(rule, metrics))
            known = known and verdict is not None
            in_form = in_form and verdict is not False
        return in_form, known

    def _end_form_ok(self, metrics: Metrics) -> bool:
        return all(
            tr.rule.judge(self._rule_value(tr.rule, metrics)) is not False
            for tr in self.trackers
            if tr.rule.applies_in(Phase.END)
        )

    def _judge_peak(self, t: float, events: list[Event], results: list[RuleResult]) -> bool:
        """Judge END-phase rules on the rep's extreme frame (their verdicts go into this
        frame's ``results``); False if a blocking one failed."""
        peak = self._peak_metrics
        if peak is None:
            return True
        passed = True
        for tracker in self.trackers:
            rule = tracker.rule
            # Only END rules: ANY rules were already judged frame by frame.
            if Phase.END not in rule.phases:
                continue
            value = self._rule_value(rule, peak)
            ok = rule.judge(value)
            results[:] = [r for r in results if r.rule_id != rule.id]  # replaces "not judged now"
            results.append(RuleResult(rule.id, value, ok, rule.cue_for(value)[0] if ok is False else ""))
            if ok is False:
                events.append(tracker.fail_event(t, value))
                passed = passed and not rule.blocking
        return passed

    def _update_reps(self, metrics: Metrics, events: list[Event], results: list[RuleResult]) -> None:
        assert self.reps is not None and self.exercise.reps is not None
        if metrics.t < self._rest_until:
            self.state.phase = "rest"
            return
        if self.state.phase == "rest":
            self.state.phase = "active"
            events.append(
                Event(
                    metrics.t,
                    EventKind.START,
                    "set_start",
                    f"Set {say_number(self.state.set_index).lower()}. Go.",
                    COUNT,
                    self.side,
                )
            )
        value = self._rep_value(metrics)
        if self._relative is not None:
            # The swing's first samples, judged once its centre is known: a shift begun
            # during the warm-up counts (the first shift of a session was always lost).
            for warm_t, warm_value in self._relative.take_warm_up():
                warm = self.reps.update(warm_t, warm_value)
                if warm is not None:
                    self._close_excursion(warm, metrics, events, results)
        was_at_end, last_t = self.reps.at_end, self._last_rep_t
        excursion = self.reps.update(metrics.t, value)
        self._last_rep_t = metrics.t
        self._recent.append((metrics.t, value))
        while len(self._recent) > 2 and self._recent[1][0] <= metrics.t - STEADY_WINDOW_S:
            self._recent.popleft()
        held = was_at_end and self.reps.at_end and last_t is not None and metrics.t > last_t
        if held and last_t is not None and self._steady() and self._end_form_ok(metrics):
            # Time held still, in good form, at the end position (the top of a bridge): what
            # a rep exercise "holds".
            self._end_position_s += metrics.t - last_t
        if self.reps.moving and self.reps.peak_t == metrics.t:
            self._peak_metrics = metrics
        if excursion is not None:
            self._close_excursion(excursion, metrics, events, results)

    def _close_excursion(
        self, excursion: Excursion, metrics: Metrics, events: list[Event], results: list[RuleResult]
    ) -> None:
        """A rep if it went all the way in good form; else, if it was a real try, a partial."""
        assert self.reps is not None and self.exercise.reps is not None
        form_ok = self._judge_peak(metrics.t, events, results)
        leg = self._leg_of_rep(self._peak_metrics)
        self._peak_metrics = None
        if self.reps.counts(excursion) and form_ok:
            self.state.reps += 1
            events.append(
                Event(
                    metrics.t,
                    EventKind.REP_DONE,
                    "rep",
                    say_number(self.state.reps),
                    COUNT,
                    self.side,
                    {
                        "rep": self.state.reps,
                        "set": self.state.set_index,
                        "start_s": excursion.start_t,
                        "peak": excursion.peak_value,
                        "leg": leg,
                    },
                )
            )
            self._encourage(metrics.t, events)
            if self.state.reps >= self.exercise.reps.target:
                self._finish_set(metrics.t, events)
        elif self.reps.meaningful(excursion):
            events.append(
                Event(
                    metrics.t,
                    EventKind.REP_PARTIAL,
                    "partial",
                    "",
                    CORRECTION,
                    self.side,
                    {"peak": excursion.peak_value},
                )
            )

    def _rep_value(self, metrics: Metrics) -> float:
        """What the rep counter follows: the measurement, or its swing relative to the
        person's own range."""
        assert self.exercise.reps is not None
        value = metrics.get(self.exercise.reps.metric)
        return self._relative.update(metrics.t, value) if self._relative is not None else value

    def _steady(self) -> bool:
        """Whether the rep measurement has moved less than the steady rate over the last
        ``STEADY_WINDOW_S`` (a turning point is still for a frame, not for a window)."""
        t0, t1 = self._recent[0][0], self._recent[-1][0]
        if t1 - t0 < STEADY_WINDOW_S - 1e-6:
            return False
        values = [v for _, v in self._recent]
        return max(values) - min(values) <= self._steady_rate * (t1 - t0)

    def _encourage(self, t: float, events: list[Event]) -> None:
        """Every few good reps, the exercise's next word of encouragement (lowest priority:
        never said over a count or a correction)."""
        phrases = self.exercise.cues.encouragement
        if phrases and self.state.reps % ENCOURAGE_EVERY == 0:
            phrase = phrases[(self.state.reps // ENCOURAGE_EVERY - 1) % len(phrases)]
            events.append(Event(t, EventKind.ADVICE, "encouragement", phrase, ENCOURAGEMENT, self.side))

    def _leg_of_rep(self, peak: Metrics | None) -> str:
        """The leg that did this rep: by the exercise's ``leg_by`` measurement, or the front leg."""
        if peak is None:
            return ""
        legs = self.exercise.reps.leg_metrics() if self.exercise.reps else None
        if legs is None:
            # Both legs work alike in a bilateral move: no leg did the rep.
            return "" if self.side == BOTH else peak.front_side
        left, right = peak.get(legs[0]), peak.get(legs[1])
        if not (math.isfinite(left) and math.isfinite(right)):
            return ""
        return "left" if left >= right else "right"

    def _finish_set(self, t: float, events: list[Event]) -> None:
        spec = self.exercise.reps
        assert spec is not None
        events.append(
            Event(
                t,
                EventKind.SET_DONE,
                "set",
                f"Set {self.state.set_index} done.",
                COUNT,
                self.side,
                {"set": self.state.set_index, "reps": self.state.reps},
            )
        )
        if self.state.set_index >= spec.sets:
            self.finished = True
            return
        self.state.set_index += 1
        self.state.reps = 0
        self._rest_until = t + spec.rest_s
        self.state.phase = "rest"
        events.append(Event(t, EventKind.REST, "rest", f"Rest for {spec.rest_s:g} seconds.", COUNT, self.side))

    def _update_hold(self, metrics: Metrics, events: list[Event]) -> None:
        assert self.hold is not None and self.exercise.hold is not None
        in_form, known = self._blocking_verdict(metrics)
        change = self.hold.update(metrics.t, in_form, metrics.visible and known)
        if change == "start":
            events.append(
                Event(
                    metrics.t,
                    EventKind.HOLD_START,
                    "hold",
                    "",
                    COUNT,
                    self.side,
                    {"held_s": round(self.hold.held_s, 2)},
                )
            )
        elif change == "pause":
            events.append(
                Event(
                    metrics.t,
                    EventKind.HOLD_PAUSE,
                    "hold",
                    "",
                    COUNT,
                    self.side,
                    {"held_s": round(self.hold.held_s, 2)},
                )
            )
        left = self.exercise.hold.min_s - self.hold.held_s
        for milestone in self.exercise.hold.milestones_left_s:
            if left <= milestone and milestone not in self._milestones_said and left > 0:
                self._milestones_said.add(milestone)
                events.append(
                    Event(
                        metrics.t,
                        EventKind.HOLD_MILESTONE,
                        f"left{milestone:g}",
                        f"{say_number(int(milestone))} seconds left.",
                        COUNT,
                        self.side,
                    )
                )
        if left <= 0:
            self.finished = True
            events.append(
                Event(
                    metrics.t,
                    EventKind.HOLD_DONE,
                    "hold_done",
                    format_cue(self.exercise.cues.done, self.exercise, self.side),
                    COUNT,
                    self.side,
                    {"held_s": round(self.hold.held_s, 2)},
                )
            )

    def _update_cycles(self, metrics: Metrics, events: list[Event]) -> None:
        assert self.cycles is not None and self.exercise.cycles is not None
        spec = self.exercise.cycles
        direction = self.cycles.update(metrics.t, metrics.get(spec.x), metrics.get(spec.y))
        if direction is None:
            return
        n = self.cycles.counts[direction]
        events.append(
            Event(
                metrics.t,
                EventKind.CYCLE_DONE,
                direction,
                say_number(n),
                COUNT,
                self.side,
                {"direction": direction, "count": n},
            )
        )
        if all(self.cycles.counts[d] >= spec.target for d in spec.directions):
            self.finished = True

    def update(self, metrics: Metrics) -> tuple[str, list[RuleResult], list[Event]]:
        events: list[Event] = []
        results: list[RuleResult] = []
        if self.finished:
            return "done", results, events
        if self.state.phase == "setup":
            if self.reps and self.exercise.reps:
                # Keep the counter primed through setup; nothing it closes now is counted.
                self.reps.update(metrics.t, self._rep_value(metrics))
            self._update_setup(metrics, events)
            return self.state.phase, results, events
        if not self._check_still_in_view(metrics, events):
            return self.state.phase, results, events
        self._learn_baseline(metrics)
        events.extend(self.guide.while_active(metrics, self._rule_metrics))
        if self.exercise.kind is Kind.REPS:
            phase = self._rep_phase()
            results = self._judge_continuous(metrics, phase, events)
            self._update_reps(metrics, events, results)
            label = self.state.phase if self.state.phase == "rest" else self._rep_phase().value
        elif self.exercise.kind is Kind.HOLD:
            results = self._judge_continuous(metrics, Phase.HOLD, events)
            self._update_hold(metrics, events)
            label = "hold" if self.hold and self.hold.running else "position"
        else:
            results = self._judge_continuous(metrics, Phase.ANY, events)
            self._update_cycles(metrics, events)
            label = "circles"
        return ("done" if self.finished else label), results, events

    @property
    def held_s(self) -> float:
        """Seconds in the target position: the hold timer, or time at a rep's end position."""
        return self.hold.held_s if self.hold else self._end_position_s


class ExerciseSession:
    """Runs an exercise over its sides, in order: setup → work → switch → … → done."""

    def __init__(self, exercise: ExerciseDef, sides: tuple[str, ...] | None = None) -> None:
        self.exercise = exercise
        self.sides = sides or exercise.sides
        self._side_index = 0
        self.finished_sides: list[SideChecker] = []
        self.current = self._checker_for(self.sides[0])
        self.finished = False
        self._pending: list[Event] = []

    def _checker_for(self, side: str) -> SideChecker:
        return SideChecker(self.exercise.for_side(side), side)

    def metric_names(self) -> tuple[str, ...]:
        names: list[str] = []
        for side in self.sides:
            names.extend(self.exercise.for_side(side).metric_names())
        return tuple(dict.fromkeys(names))

    def restart_side(self) -> None:
        """Start the current side over (from setup), as the user asked."""
        self.current = self._checker_for(self.current.side)

    def skip_side(self, t: float) -> None:
        """Move on to the next side (or finish) now, as the user asked; the switch is
        reported with the next update."""
        if not self.finished:
            self._pending.extend(self._advance(t))

    def _advance(self, t: float) -> list[Event]:
        self.finished_sides.append(self.current)
        self._side_index += 1
        if self._side_index < len(self.sides):
            self.current = self._checker_for(self.sides[self._side_index])
            side = self.sides[self._side_index]
            text = f"{self.exercise.cues.side_switch} Now the {side} side." if side != BOTH else ""
            return [Event(t, EventKind.SIDE_SWITCH, "side_switch", text, SAFETY, side)]
        self.finished = True
        return [Event(t, EventKind.EXERCISE_DONE, "exercise_done", "", COUNT, self.sides[-1])]

    def update(self, metrics: Metrics) -> CheckerUpdate:
        pending, self._pending = self._pending, []
        checker = self.current
        if self.finished:
            return CheckerUpdate(
                metrics.t,
                metrics.frame_index,
                self.exercise.id,
                checker.side,
                "done",
                checker.state.reps,
                checker.state.set_index,
                checker.held_s,
                (),
                tuple(pending),
                True,
            )
        phase, results, events = checker.update(metrics)
        events[:0] = pending
        if checker.finished:
            events.extend(self._advance(metrics.t))
        return CheckerUpdate(
            t=metrics.t,
            frame_index=metrics.frame_index,
            exercise=self.exercise.id,
            side=checker.side,
            phase=phase,
            rep_count=checker.state.reps,
            set_index=checker.state.set_index,
            hold_s=checker.held_s,
            rule_results=tuple(results),
            events=tuple(events),
            finished=self.finished,
        )
