"""The exercise checker: measurements and time in, a ``CheckerUpdate`` with events out.

Pure and deterministic: it never reads a clock or a camera, so a live run, a file run, a
replay of recorded poses and a test with synthetic measurements behave identically.

One ``SideChecker`` coaches one side (or a bilateral move): camera setup first (``SetupGuide``),
then the work (``progress``: reps in sets, a hold, or circles) judged by the side's rules
(``RuleSet``). ``ExerciseSession`` runs the sides in order with a spoken switch between them.
The words it speaks are in ``words``.
"""

from __future__ import annotations

from formcoach.checkers import words
from formcoach.checkers.progress import CycleProgress, HoldProgress, Progress, RepProgress
from formcoach.checkers.rule_set import RuleSet
from formcoach.checkers.sets import advice_events
from formcoach.checkers.setup import SetupGuide
from formcoach.exercises.schema import ExerciseDef, Kind
from formcoach.types import (
    COUNT,
    SAFETY,
    CheckerUpdate,
    CoachPhase,
    Event,
    EventKind,
    Intent,
    Metrics,
    RuleResult,
)

LOST_AFTER_S = 1.0  # a pose or part gone this long sends the user back to setup


def progress_for(exercise: ExerciseDef, side: str, rules: RuleSet) -> Progress:
    if exercise.kind is Kind.REPS:
        return RepProgress(exercise, side, rules)
    if exercise.kind is Kind.HOLD:
        return HoldProgress(exercise, side, rules)
    return CycleProgress(exercise, side, rules)


class SideChecker:
    """Coaches one side of one exercise (``exercise`` already bound to that side)."""

    def __init__(self, exercise: ExerciseDef, side: str) -> None:
        self.exercise = exercise
        self.side = side
        self.rules = RuleSet(exercise, side, per_rep=exercise.kind is Kind.REPS)
        self.progress = progress_for(exercise, side, self.rules)
        self.guide = SetupGuide(exercise, side)
        self.phase = CoachPhase.SETUP
        self._ready_since: float | None = None
        self._active_since = 0.0
        self._lost_since: float | None = None

    @property
    def finished(self) -> bool:
        return self.progress.finished

    def _update_setup(self, metrics: Metrics, events: list[Event]) -> None:
        problem = self.guide.problem(metrics)
        events.extend(self.guide.say(problem, metrics.t))
        if problem:
            self._ready_since = None
            return
        if self._ready_since is None:
            self._ready_since = metrics.t
        if metrics.t - self._ready_since < self.exercise.setup.settle_s:
            return
        self.progress.started(self._ready_since)
        self.phase = CoachPhase.ACTIVE
        self._active_since = metrics.t
        self._lost_since = None
        start = words.format_cue(self.exercise.cues.start, self.exercise, self.side)
        events.append(Event(metrics.t, EventKind.START, "start", words.countdown(start), SAFETY, self.side))
        events.extend(advice_events(self.exercise, self.side, metrics.t))

    def _still_in_view(self, metrics: Metrics, events: list[Event]) -> bool:
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
        self.phase = CoachPhase.SETUP
        self._ready_since = None
        self.guide.forget()
        self.progress.lost()
        self.rules.reset()
        return False

    def update(self, metrics: Metrics) -> tuple[CoachPhase, list[RuleResult], list[Event]]:
        events: list[Event] = []
        if self.finished:
            return CoachPhase.DONE, [], events
        if self.phase is CoachPhase.SETUP:
            self.progress.during_setup(metrics)
            self._update_setup(metrics, events)
            return self.phase, [], events
        if not self._still_in_view(metrics, events):
            return self.phase, [], events
        self.rules.learn_baseline(metrics, self._active_since)
        events.extend(self.guide.while_active(metrics, self.rules.metric_of_rule))
        phase, results = self.progress.update(metrics, events)
        return (CoachPhase.DONE if self.finished else phase), results, events

    @property
    def held_s(self) -> float:
        """Seconds in the target position: the hold timer, or time at a rep's end position."""
        return self.progress.held_s


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
        self._told_of_others = False

    def _checker_for(self, side: str) -> SideChecker:
        return SideChecker(self.exercise.for_side(side), side)

    def metric_names(self) -> tuple[str, ...]:
        names: list[str] = []
        for side in self.sides:
            names.extend(self.exercise.for_side(side).metric_names())
        return tuple(dict.fromkeys(names))

    def baselines(self) -> dict[str, dict[str, float]]:
        """Each coached side's relative-rule baselines (the first time a side was coached)."""
        found: dict[str, dict[str, float]] = {}
        for checker in [*self.finished_sides, self.current]:
            found.setdefault(checker.side, checker.rules.baselines)
        return found

    def apply(self, intent: Intent, t: float) -> None:
        """What the user asked for between frames."""
        if intent is Intent.SKIP_SIDE:
            self.skip_side(t)
        else:
            self.restart_side()

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
            text = words.side_switch(self.exercise.cues.side_switch, side)
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
                CoachPhase.DONE,
                checker.progress.reps,
                checker.progress.set_index,
                checker.held_s,
                (),
                tuple(pending),
                True,
            )
        phase, results, events = checker.update(metrics)
        events[:0] = pending
        if metrics.others_in_view and not self._told_of_others:
            self._told_of_others = True  # once a session: the coach keeps to the user either way
            events.append(
                Event(metrics.t, EventKind.SETUP_HINT, "someone_else", words.SOMEONE_ELSE, SAFETY, checker.side)
            )
        if checker.finished:
            events.extend(self._advance(metrics.t))
        return CheckerUpdate(
            t=metrics.t,
            frame_index=metrics.frame_index,
            exercise=self.exercise.id,
            side=checker.side,
            phase=phase,
            rep_count=checker.progress.reps,
            set_index=checker.progress.set_index,
            hold_s=checker.held_s,
            rule_results=tuple(results),
            events=tuple(events),
            finished=self.finished,
        )
