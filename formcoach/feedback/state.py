"""What the screen shows besides the step itself: the cue, the setup hint, the verdicts to
colour, the frame-rate figures and whether the session is paused.

``ScreenTrack`` builds it from the steps in order, the same way live and in a replay, so a
replay shows what the live screen showed (its frame rate from the recorded timestamps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from formcoach.exercises.schema import ExerciseDef, Phase
from formcoach.types import CheckerUpdate, EventKind, Metrics, Step

FPS_EMA = 0.1  # smoothing of the frame-rate figure
# A rep's END rules are judged once, at its extreme: their verdict stays up this long so it
# can be read (the live value alone would show the standing position a moment later).
REP_VERDICT_S = 2.5


@dataclass(frozen=True)
class Readout:
    fps: float
    latency_ms: float | None  # None: not known (a recording keeps no latency)


@dataclass(frozen=True)
class Verdict:
    """A rule's verdict as the screen shows it, at its measurement."""

    metric: str
    value: float
    ok: bool
    last_rep: bool = False  # judged on the last rep's extreme (its value then, not now), held on screen


@dataclass(frozen=True)
class ScreenState:
    cue: str = ""
    setup_hint: str = ""  # the latest setup hint the checker gave
    paused: bool = False
    readout: Readout | None = None
    verdicts: tuple[Verdict, ...] = ()


class VerdictMemory:
    """The checker's verdicts per frame, with each rep's END verdicts held ``REP_VERDICT_S``."""

    def __init__(self, exercise: ExerciseDef) -> None:
        self.exercise = exercise
        self._metrics: dict[str, dict[str, str]] = {}  # side → rule id → bound metric
        self._held: dict[str, tuple[float, Verdict]] = {}

    def _metric_of(self, side: str) -> dict[str, str]:
        if side not in self._metrics:
            self._metrics[side] = {r.id: r.metric for r in self.exercise.for_side(side).rules}
        return self._metrics[side]

    def __call__(self, update: CheckerUpdate) -> tuple[Verdict, ...]:
        metric_of = self._metric_of(update.side)
        per_rep = {r.id for r in self.exercise.rules if r.phases == (Phase.END,)}
        shown = []
        for result in update.rule_results:
            metric = metric_of.get(result.rule_id)
            if metric is None:
                continue
            if result.ok is not None:
                verdict = Verdict(metric, result.value, result.ok, result.rule_id in per_rep)
                if verdict.last_rep:
                    self._held[result.rule_id] = (update.t, verdict)
                shown.append(verdict)
            elif (held := self._held.get(result.rule_id)) and update.t - held[0] <= REP_VERDICT_S:
                shown.append(held[1])
        return tuple(shown)


class ScreenTrack:
    """Follows the steps of one exercise and says what the screen shows with each."""

    def __init__(self, exercise: ExerciseDef) -> None:
        self.verdicts = VerdictMemory(exercise)
        self.fps = 0.0
        self.setup_hint = ""
        self._last_t = -math.inf

    def __call__(self, step: Step, cue: str) -> ScreenState:
        t = step.update.t
        if t > self._last_t and math.isfinite(self._last_t):
            rate = 1.0 / (t - self._last_t)
            self.fps = (1 - FPS_EMA) * self.fps + FPS_EMA * rate if self.fps else rate
        self._last_t = t
        for event in step.update.events:
            if event.kind is EventKind.SETUP_HINT and event.message:
                self.setup_hint = event.message
        latency = 1000.0 * step.latency_s if step.latency_s > 0 else None  # replays have none
        return ScreenState(cue, self.setup_hint, False, Readout(self.fps, latency), self.verdicts(step.update))


def still_verdicts(exercise: ExerciseDef, metrics: Metrics) -> tuple[Verdict, ...]:
    """Each (absolute) rule's own verdict on one still frame, for a picture drawn without the
    checker's steps (a report's thumbnail of a correction)."""
    shown = []
    for rule in exercise.rules:
        value = metrics.get(rule.metric)
        ok = None if rule.relative else rule.judge(value)
        if ok is not None:
            shown.append(Verdict(rule.metric, value, ok))
    return tuple(shown)
