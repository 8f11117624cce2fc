"""An exercise's form rules for one side: each judged with its grace period, relative rules
against the person's own first second of coaching."""

from __future__ import annotations

import math

import numpy as np

from formcoach.checkers.rules import RuleTracker
from formcoach.exercises.schema import ExerciseDef, Phase, Rule
from formcoach.types import Event, Metrics, RuleResult

BASELINE_S = 1.0  # relative rules measure the user's own value over this long first


class RuleSet:
    """Judges the rules frame by frame (or, for a rep's END rules, once at its extreme) and
    says which blocking ones keep a hold's clock from running."""

    def __init__(self, exercise: ExerciseDef, side: str, per_rep: bool) -> None:
        self.trackers = [RuleTracker(rule, exercise.cues.cooldown_s, side) for rule in exercise.rules]
        self.metric_of_rule = {rule.id: rule.metric for rule in exercise.rules}
        self._per_rep = per_rep  # END rules of a rep exercise wait for the rep's extreme
        self._baseline_samples: dict[str, list[float]] = {r.id: [] for r in exercise.rules if r.relative}
        self._baseline: dict[str, float] = {}

    def reset(self) -> None:
        for tracker in self.trackers:
            tracker.reset()

    @property
    def baselines(self) -> dict[str, float]:
        """The user's own value of each relative rule, once learnt (rule id → value)."""
        return dict(self._baseline)

    def value(self, rule: Rule, metrics: Metrics) -> float:
        """The value a rule judges: the measurement, or its offset from the user's baseline."""
        value = metrics.get(rule.metric)
        if not rule.relative:
            return value
        return value - self._baseline.get(rule.id, math.nan)

    def learn_baseline(self, metrics: Metrics, active_since: float) -> None:
        if not self._baseline_samples:
            return
        if metrics.t - active_since <= BASELINE_S:
            for tracker in self.trackers:
                value = metrics.get(tracker.rule.metric)
                if tracker.rule.relative and math.isfinite(value):
                    self._baseline_samples[tracker.rule.id].append(value)
            return
        for rule_id, samples in self._baseline_samples.items():
            if samples and rule_id not in self._baseline:
                self._baseline[rule_id] = float(np.median(samples))

    def judge(self, metrics: Metrics, phase: Phase, events: list[Event]) -> list[RuleResult]:
        """Every rule's verdict in this frame; raised faults go to ``events``."""
        results = []
        for tracker in self.trackers:
            rule = tracker.rule
            continuous = rule.applies_in(phase) and not (self._per_rep and rule.phases == (Phase.END,))
            result, new = tracker.update(metrics.t, self.value(rule, metrics), continuous)
            results.append(result)
            events.extend(new)
        return results

    def blocking_verdict(self, metrics: Metrics) -> tuple[bool, bool]:
        """(every blocking rule passes, every blocking rule could be judged).

        An unknown value means the body part is not seen: not holding. A relative rule still
        learning the user's own value does not stop the clock.
        """
        in_form = known = True
        for tracker in self.trackers:
            rule = tracker.rule
            if not rule.blocking or (rule.relative and rule.id not in self._baseline):
                continue
            verdict = rule.judge(self.value(rule, metrics))
            known = known and verdict is not None
            in_form = in_form and verdict is not False
        return in_form, known

    def end_form_ok(self, metrics: Metrics) -> bool:
        """No rule that applies at the end position fails in this frame."""
        rules = [tracker.rule for tracker in self.trackers if tracker.rule.applies_in(Phase.END)]
        return all(rule.judge(self.value(rule, metrics)) is not False for rule in rules)

    def judge_peak(self, peak: Metrics | None, t: float, events: list[Event], results: list[RuleResult]) -> bool:
        """Judge END-phase rules on the rep's extreme frame (their verdicts replace this
        frame's "not judged now" in ``results``); False if a blocking one failed."""
        if peak is None:
            return True
        passed = True
        for tracker in self.trackers:
            rule = tracker.rule
            # Only END rules: ANY rules were already judged frame by frame.
            if Phase.END not in rule.phases:
                continue
            value = self.value(rule, peak)
            ok = rule.judge(value)
            results[:] = [r for r in results if r.rule_id != rule.id]
            direction = rule.cue_for(value)[0] if ok is False else ""
            results.append(RuleResult(rule.id, value, ok, direction, peak.frame_index))
            if ok is False:
                events.append(tracker.fail_event(t, value))
                passed = passed and not rule.blocking
        return passed
