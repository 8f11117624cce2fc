"""What a side's work adds up to once it has started: reps in sets with rest between them, a
hold's clock and its milestones, or circles each way. One class per exercise kind, each fed
the frame's measurements after setup and judging its rules through the side's ``RuleSet``."""

from __future__ import annotations

import math
from collections import deque
from typing import Protocol

from formcoach.checkers import words
from formcoach.checkers.counters import CycleCounter, Excursion, HoldTimer, RelativeSignal, RepCounter
from formcoach.checkers.rule_set import RuleSet
from formcoach.checkers.sets import Sets
from formcoach.exercises.schema import BOTH, ExerciseDef, Phase
from formcoach.measurements import MEASUREMENTS, Unit
from formcoach.types import CORRECTION, COUNT, ENCOURAGEMENT, CoachPhase, Event, EventKind, Metrics, RuleResult

ENCOURAGE_EVERY = 3  # reps between words of encouragement
# Time at a rep's end position counts as "held" only while the measurement has stayed steady
# (its unit's steady rate) over a short window: the ends of the rise and the lowering pass through the end band
# (and turn there, still for a frame) without holding it. Bridge renders (5 bodies, 4 good
# reps of a 2 s top hold = 8 s): 9.1–10.0 s with a frame-to-frame rate, 8.2–8.7 s with the window.
STEADY_WINDOW_S = 0.3
# A top hold this long or longer is spoken ("Hold." on arrival, "And lower." when done); a
# shorter one passes before the words could be said.
TOP_HOLD_SPOKEN_S = 2.0

PhaseVerdicts = tuple[CoachPhase, list[RuleResult]]  # the frame's phase and its rules' verdicts


class Progress(Protocol):
    finished: bool
    reps: int
    set_index: int

    @property
    def held_s(self) -> float: ...

    def update(self, metrics: Metrics, events: list[Event]) -> PhaseVerdicts: ...

    def during_setup(self, metrics: Metrics) -> None: ...

    def started(self, ready_since: float) -> None: ...

    def lost(self) -> None: ...


class _Plain:
    """What holds and circles share: one set, no reps, nothing to do around setup."""

    def __init__(self) -> None:
        self.finished = False
        self.reps = 0
        self.set_index = 1

    def during_setup(self, metrics: Metrics) -> None:
        pass

    def started(self, ready_since: float) -> None:
        pass

    def lost(self) -> None:
        pass


class HoldProgress(_Plain):
    """A hold's clock, to ``min_s`` and on to ``max_s`` for as long as the user stays, in sets."""

    def __init__(self, exercise: ExerciseDef, side: str, rules: RuleSet) -> None:
        super().__init__()
        assert exercise.hold is not None
        self.exercise, self.spec, self.side, self.rules = exercise, exercise.hold, side, rules
        self.sets = Sets(exercise, side, exercise.hold.sets, exercise.hold.rest_s)
        self.timer = HoldTimer(exercise.hold)
        self._held_before = 0.0  # seconds held in the sets already done
        self._milestones_said: set[float] = set()
        self._target_reached = False

    @property
    def held_s(self) -> float:
        return self._held_before + self.timer.held_s

    def _event(self, t: float, kind: EventKind, key: str = "hold", message: str = "") -> Event:
        return Event(t, kind, key, message, COUNT, self.side, {"held_s": round(self.timer.held_s, 2)})

    def update(self, metrics: Metrics, events: list[Event]) -> PhaseVerdicts:
        results = self.rules.judge(metrics, Phase.HOLD, events)
        if not self.sets.rest_over(metrics.t, events):
            return CoachPhase.REST, results
        in_form, known = self.rules.blocking_verdict(metrics)
        change = self.timer.update(metrics.t, in_form, metrics.visible and known)
        if change == "start":
            events.append(self._event(metrics.t, EventKind.HOLD_START))
        elif change == "pause":
            events.append(self._event(metrics.t, EventKind.HOLD_PAUSE))
        self._milestones(metrics.t, events)
        # Past min_s the set lasts while the user stays (to max_s): coming out ends it.
        if self._target_reached and (self.timer.held_s >= self.spec.max_s or not self.timer.running):
            self._set_done(metrics.t, events)
        if self.sets.resting:
            return CoachPhase.REST, results
        return (CoachPhase.HOLD if self.timer.running else CoachPhase.POSITION), results

    def _milestones(self, t: float, events: list[Event]) -> None:
        left = self.spec.min_s - self.timer.held_s
        for milestone in self.spec.milestones_left_s:
            if 0 < left <= milestone and milestone not in self._milestones_said:
                self._milestones_said.add(milestone)
                text = words.seconds_left(milestone)
                events.append(Event(t, EventKind.HOLD_MILESTONE, f"left{milestone:g}", text, COUNT, self.side))
        if left <= 0 and not self._target_reached:
            self._target_reached = True
            if self.spec.max_s > self.spec.min_s:
                text = words.stay_longer(self.spec.min_s, self.spec.max_s)
                events.append(Event(t, EventKind.HOLD_MILESTONE, "target", text, COUNT, self.side))

    def _set_done(self, t: float, events: list[Event]) -> None:
        if self.spec.sets > 1:
            self.sets.done(t, events, {"held_s": round(self.timer.held_s, 2)})
        else:
            self.sets.finished = True
        self.finished = self.sets.finished
        if self.finished:
            done = words.format_cue(self.exercise.cues.done, self.exercise, self.side)
            events.append(self._event(t, EventKind.HOLD_DONE, "hold_done", done))
        self._held_before += self.timer.held_s
        self.timer = HoldTimer(self.spec)
        self._milestones_said.clear()
        self._target_reached = False
        self.set_index = self.sets.index


class CycleProgress(_Plain):
    def __init__(self, exercise: ExerciseDef, side: str, rules: RuleSet) -> None:
        super().__init__()
        assert exercise.cycles is not None
        self.spec, self.side, self.rules = exercise.cycles, side, rules
        self.counter = CycleCounter(exercise.cycles)
        self.sets = Sets(exercise, side, exercise.cycles.sets, exercise.cycles.rest_s)

    @property
    def held_s(self) -> float:
        return 0.0

    def update(self, metrics: Metrics, events: list[Event]) -> PhaseVerdicts:
        results = self.rules.judge(metrics, Phase.ANY, events)
        if not self.sets.rest_over(metrics.t, events):
            return CoachPhase.REST, results
        direction = self.counter.update(metrics.t, metrics.get(self.spec.x), metrics.get(self.spec.y))
        if direction is not None:
            n = self.counter.counts[direction]
            data: dict[str, float | int | str] = {"direction": direction, "count": n, "set": self.sets.index}
            said = words.say_number(n)
            events.append(Event(metrics.t, EventKind.CYCLE_DONE, direction, said, COUNT, self.side, data))
            if all(self.counter.counts[d] >= self.spec.target for d in self.spec.directions):
                self._set_done(metrics.t, events)
        return (CoachPhase.REST if self.sets.resting else CoachPhase.CIRCLES), results

    def _set_done(self, t: float, events: list[Event]) -> None:
        if self.spec.sets > 1:
            self.sets.done(t, events, {"cycles": sum(self.counter.counts.values())})
            self.counter = CycleCounter(self.spec)  # each set's circles counted from one
        self.finished = self.spec.sets == 1 or self.sets.finished
        self.set_index = self.sets.index


class SteadyWindow:
    """Whether a measurement has moved less than a rate over the last ``STEADY_WINDOW_S`` (a
    turning point is still for a frame, not for a window)."""

    def __init__(self, unit: Unit) -> None:
        self.rate = unit.steady_rate
        self._recent: deque[tuple[float, float]] = deque()

    def add(self, t: float, value: float) -> None:
        self._recent.append((t, value))
        while len(self._recent) > 2 and self._recent[1][0] <= t - STEADY_WINDOW_S:
            self._recent.popleft()

    def steady(self) -> bool:
        t0, t1 = self._recent[0][0], self._recent[-1][0]
        if t1 - t0 < STEADY_WINDOW_S - 1e-6:
            return False
        values = [v for _, v in self._recent]
        return max(values) - min(values) <= self.rate * (t1 - t0)


def leg_of_rep(exercise: ExerciseDef, side: str, peak: Metrics | None, peak_swing: float = math.nan) -> str:
    """The leg (or side) of a rep: the way its swing went (``swing_sides``), by the exercise's
    ``leg_by`` measurement at its extreme, or the front leg."""
    swing_sides = exercise.reps.swing_sides if exercise.reps else None
    if swing_sides is not None:
        return "" if not math.isfinite(peak_swing) else swing_sides[0 if peak_swing > 0 else 1]
    if peak is None:
        return ""
    legs = exercise.reps.leg_metrics() if exercise.reps else None
    if legs is None:
        # Both legs work alike in a bilateral move: no leg did the rep.
        return "" if side == BOTH else peak.front_side
    left, right = peak.get(legs[0]), peak.get(legs[1])
    if not (math.isfinite(left) and math.isfinite(right)):
        return ""
    return "left" if left >= right else "right"


class RepProgress:
    def __init__(self, exercise: ExerciseDef, side: str, rules: RuleSet) -> None:
        assert exercise.reps is not None
        self.exercise, self.spec, self.side, self.rules = exercise, exercise.reps, side, rules
        self.counter = RepCounter(exercise.reps)
        self._relative = RelativeSignal(self.spec.window_s, self.spec.min_spread) if self.spec.relative else None
        unit = MEASUREMENTS[self.spec.metric].unit
        self._steady = SteadyWindow(unit)
        self.finished = False
        self.reps, self.set_index = 0, 1
        self.sets = Sets(exercise, side, exercise.reps.sets, exercise.reps.rest_s)
        self._peak_metrics: Metrics | None = None
        self._peak_swing = math.nan  # a relative swing's signed value at its extreme
        self._end_position_s = 0.0
        self._at_top = False  # at the end position (``_at_top_position``) at the last sample
        # A reading may sag this far back under the end threshold while the top is held: the
        # unit's rep gap, at most half way back to the start threshold (a relative swing's
        # thresholds are in its own units, not the measurement's).
        gap = abs(self.spec.end - self.spec.start) / 2
        self._top_margin = min(unit.rep_gap, gap)
        self._last_t: float | None = None

    @property
    def held_s(self) -> float:
        """Time held still in good form at the end position (the top of a bridge)."""
        return self._end_position_s

    def _swing(self, metrics: Metrics) -> float:
        """The measurement, or its signed swing relative to the person's own range."""
        value = metrics.get(self.spec.metric)
        return self._relative.update(metrics.t, value) if self._relative is not None else value

    def _size(self, swing: float) -> float:
        """What the counter follows: a relative swing by its size, else the measurement."""
        return abs(swing) if self._relative is not None else swing

    def _follow(self, t: float, swing: float) -> Excursion | None:
        """One sample to the counter, noting which way the swing went at its extreme."""
        excursion = self.counter.update(t, self._size(swing))
        if self.counter.moving and self.counter.peak_t == t:
            self._peak_swing = swing
        return excursion

    def during_setup(self, metrics: Metrics) -> None:
        # Keep the counter primed through setup; nothing it closes now is counted.
        self._follow(metrics.t, self._swing(metrics))

    def started(self, ready_since: float) -> None:
        # Setup counts as confirmed from when it began to hold: a rep the user started
        # during the settle time is theirs; one begun before it was getting into position.
        self.counter.forget_before(ready_since)

    def lost(self) -> None:
        self.counter.reset()

    def _phase(self) -> Phase:
        if self.counter.at_end:
            return Phase.END
        return Phase.MOVING if self.counter.moving else Phase.START

    def update(self, metrics: Metrics, events: list[Event]) -> PhaseVerdicts:
        results = self.rules.judge(metrics, self._phase(), events)
        if not self.sets.rest_over(metrics.t, events):
            return CoachPhase.REST, results
        self._feed(metrics, events, results)
        if self.sets.resting:  # this frame's rep ended a set
            return CoachPhase.REST, results
        return CoachPhase(self._phase().value), results

    def _feed(self, metrics: Metrics, events: list[Event], results: list[RuleResult]) -> None:
        swing = self._swing(metrics)
        if self._relative is not None:
            # The swing's first samples, judged once its centre is known: a shift begun
            # during the warm-up counts (the first shift of a session was always lost).
            for warm_t, warm_swing in self._relative.take_warm_up():
                warm = self._follow(warm_t, warm_swing)
                if warm is not None:
                    self._close(warm, metrics, events, results)
        was_at_end, was_at_top, last_t = self.counter.at_end, self._at_top, self._last_t
        excursion = self._follow(metrics.t, swing)
        value = self._size(swing)
        self._say_top_hold(metrics.t, was_at_end, last_t, events)
        self._last_t = metrics.t
        self._steady.add(metrics.t, value)
        self._at_top = self._at_top_position(value)
        held = was_at_top and self._at_top and last_t is not None and metrics.t > last_t
        if held and last_t is not None and self._steady.steady() and self.rules.end_form_ok(metrics):
            self._end_position_s += metrics.t - last_t
        if self.counter.moving and self.counter.peak_t == metrics.t:
            self._peak_metrics = metrics
        if excursion is not None:
            self._close(excursion, metrics, events, results)

    def _at_top_position(self, value: float) -> bool:
        """At the end position for timing its hold: past the end threshold, or back under it by
        no more than ``_top_margin`` once reached. A held top can read a few degrees under
        the threshold (glute_bridge__pfc holds still at 158-161 for 1.8 s against 162, its hip
        read hyperextended, so the included angle folds back), and a rep's way down passes that
        band moving, so the steadiness test keeps it out."""
        if self.counter.at_end:
            return True
        margin = self._top_margin if self.spec.increasing else -self._top_margin
        return self.counter.moving and self.counter.reached_end and self.spec.past_end(value + margin)

    def _say_top_hold(self, t: float, was_at_end: bool, last_t: float | None, events: list[Event]) -> None:
        """ "Hold." on reaching the end position, "And lower." once held as long as asked."""
        hold = self.spec.hold_end_s
        if hold < TOP_HOLD_SPOKEN_S or not self.counter.at_end:
            return
        held = self.counter.end_held_s(t)
        if not was_at_end:
            events.append(Event(t, EventKind.HOLD_MILESTONE, "top_hold", words.TOP_HOLD, COUNT, self.side))
        elif last_t is not None and held >= hold > self.counter.end_held_s(last_t):
            events.append(Event(t, EventKind.HOLD_MILESTONE, "top_hold_done", words.TOP_HOLD_DONE, COUNT, self.side))

    def _close(self, excursion: Excursion, metrics: Metrics, events: list[Event], results: list[RuleResult]) -> None:
        """A rep if it went all the way in good form; else, if it was a real try, a partial."""
        form_ok = self.rules.judge_peak(self._peak_metrics, metrics.t, events, results)
        leg = leg_of_rep(self.exercise, self.side, self._peak_metrics, self._peak_swing)
        self._peak_metrics = None
        if self.counter.short_hold(excursion):
            text = words.hold_top(self.spec.hold_end_s)
            held: dict[str, float | int | str] = {"held_s": round(excursion.end_held_s, 2)}
            events.append(Event(metrics.t, EventKind.SHORT_HOLD, "short_hold", text, CORRECTION, self.side, held))
        if not (self.counter.counts(excursion) and form_ok):
            if self.counter.meaningful(excursion):
                data: dict[str, float | int | str] = {"peak": excursion.peak_value}
                events.append(Event(metrics.t, EventKind.REP_PARTIAL, "partial", "", CORRECTION, self.side, data))
            return
        self.reps += 1
        data = {
            "rep": self.reps,
            "set": self.set_index,
            "start_s": excursion.start_t,
            "peak": excursion.peak_value,
            "leg": leg,
        }
        events.append(Event(metrics.t, EventKind.REP_DONE, "rep", words.say_number(self.reps), COUNT, self.side, data))
        self._encourage(metrics.t, events)
        if self.reps >= self.spec.target:
            self._finish_set(metrics.t, events)

    def _encourage(self, t: float, events: list[Event]) -> None:
        """Every few good reps, the exercise's next word of encouragement (lowest priority:
        never said over a count or a correction)."""
        phrases = self.exercise.cues.encouragement
        if phrases and self.reps % ENCOURAGE_EVERY == 0:
            phrase = phrases[(self.reps // ENCOURAGE_EVERY - 1) % len(phrases)]
            events.append(Event(t, EventKind.ENCOURAGEMENT, "encouragement", phrase, ENCOURAGEMENT, self.side))

    def _finish_set(self, t: float, events: list[Event]) -> None:
        self.sets.done(t, events, {"reps": self.reps})
        self.finished = self.sets.finished
        if not self.finished:
            self.set_index, self.reps = self.sets.index, 0
