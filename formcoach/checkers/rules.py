"""Form rules over time: a fault must last its grace period before it is raised."""

from __future__ import annotations

from formcoach.exercises.schema import Rule
from formcoach.types import CORRECTION, Event, EventKind, RuleResult


class RuleTracker:
    """Judges one rule frame by frame.

    A value outside the band starts a fault; if it lasts ``grace_s`` the fault is raised
    (RULE_FAIL with the cue for its direction) and raised again every ``repeat_s`` while it
    lasts; coming back into the band after a raised fault says RULE_OK.
    """

    def __init__(self, rule: Rule, repeat_s: float, side: str = "") -> None:
        self.rule = rule
        self.repeat_s = repeat_s
        self.side = side
        self.fault_since: float | None = None
        self.raised_at: float | None = None

    def reset(self) -> None:
        self.fault_since = self.raised_at = None

    def fail_event(self, t: float, value: float) -> Event:
        direction, cue = self.rule.cue_for(value)
        return Event(
            t,
            EventKind.RULE_FAIL,
            self.rule.id,
            cue,
            CORRECTION,
            self.side,
            {"value": round(value, 2), "direction": direction},
        )

    def update(self, t: float, value: float, active: bool) -> tuple[RuleResult, list[Event]]:
        ok = self.rule.judge(value) if active else None
        if ok is None:
            # Not judged now: an unknown value is not evidence of a fault, nor of its end.
            self.fault_since = None
            return RuleResult(self.rule.id, value, None), []
        if ok:
            events = []
            if self.raised_at is not None:
                events.append(
                    Event(t, EventKind.RULE_OK, self.rule.id, "", CORRECTION, self.side, {"value": round(value, 2)})
                )
            self.reset()
            return RuleResult(self.rule.id, value, True), events
        if self.fault_since is None:
            self.fault_since = t
        direction, _ = self.rule.cue_for(value)
        events = []
        if (self.raised_at is None and t - self.fault_since >= self.rule.grace_s) or (
            self.raised_at is not None and t - self.raised_at >= self.repeat_s
        ):
            self.raised_at = t
            events.append(self.fail_event(t, value))
        return RuleResult(self.rule.id, value, False, direction), events
