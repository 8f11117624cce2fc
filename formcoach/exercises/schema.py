"""Typed, frozen exercise definitions, as parsed from ``exercises/*.toml``.

A physiotherapist edits the TOML; the loader (``loader.py``) turns it into these objects
once, rejecting anything it does not understand. ``{side}``/``{other}`` in metric names are
bound to a concrete leg by ``ExerciseDef.for_side``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import StrEnum


class Kind(StrEnum):
    HOLD = "hold"
    REPS = "reps"
    CYCLES = "cycles"


class View(StrEnum):
    """Where the exercise asks the camera to stand, as camera azimuths (``formcoach.view``)."""

    SIDE = "side"  # at the body's left or right side
    FRONT = "front"  # in front of the chest (upright, or lying on the side)
    FEET = "feet"  # at the feet of a body lying on its back, looking along it
    ANY = "any"

    @property
    def azimuths(self) -> tuple[float, ...]:
        return {View.SIDE: (90.0, -90.0), View.FRONT: (0.0,), View.FEET: (0.0,), View.ANY: ()}[self]


class Posture(StrEnum):
    """How the body is placed: checked in setup, and what tells lying from upright views."""

    UPRIGHT = "upright"  # standing, kneeling or sitting: trunk within 60° of vertical
    LYING = "lying"  # on the back, front or side
    ANY = "any"


DEFAULT_VIEW_TOLERANCE_DEG = 45.0


class Phase(StrEnum):
    START = "start"  # reps: in the start position
    MOVING = "moving"  # reps: between start and end
    END = "end"  # reps: judged once per repetition, at its most extreme frame
    HOLD = "hold"  # holds: the whole time
    ANY = "any"


OTHER_SIDE = {"left": "right", "right": "left"}
BOTH = "both"


def bind_side(text: str, side: str) -> str:
    """Replace ``{side}``/``{other}`` with a concrete leg (no-op for bilateral moves)."""
    if side == BOTH:
        return text
    return text.replace("{side}", side).replace("{other}", OTHER_SIDE[side])


def _bind_rule(rule: Rule, side: str) -> Rule:
    return replace(
        rule,
        metric=bind_side(rule.metric, side),
        cue_below=bind_side(rule.cue_below, side),
        cue_above=bind_side(rule.cue_above, side),
    )


@dataclass(frozen=True)
class Rule:
    id: str
    metric: str
    phases: tuple[Phase, ...]
    minimum: float = -math.inf  # lower edge of the good band
    maximum: float = math.inf  # upper edge of the good band
    target: float | None = None  # the ideal, for drawing (within the band)
    blocking: bool = False  # holds: the clock runs only while it passes; reps: a failing rep is not counted
    grace_s: float = 0.5  # a fault shorter than this raises nothing
    cue_below: str = ""
    cue_above: str = ""
    # The band is an offset from the user's own value in the first seconds of the exercise:
    # for small signals whose absolute level varies with body and camera (pelvic roll).
    relative: bool = False

    def judge(self, value: float) -> bool | None:
        """True in the band, False out of it, None when the value is unknown."""
        if not math.isfinite(value):
            return None
        return self.minimum <= value <= self.maximum

    def cue_for(self, value: float) -> tuple[str, str]:
        """(direction, cue) for a failing value."""
        return ("below", self.cue_below) if value < self.minimum else ("above", self.cue_above)

    def applies_in(self, phase: Phase) -> bool:
        return Phase.ANY in self.phases or phase in self.phases


@dataclass(frozen=True)
class Condition:
    """A setup requirement: ``metric`` within [minimum, maximum] or ``hint`` is said."""

    metric: str
    hint: str
    minimum: float = -math.inf
    maximum: float = math.inf


@dataclass(frozen=True)
class Setup:
    parts: tuple[str, ...] = ("shoulder", "hip", "knee", "ankle")  # must be in frame
    conditions: tuple[Condition, ...] = ()
    settle_s: float = 0.3  # how long everything must hold before counting starts


@dataclass(frozen=True)
class HoldSpec:
    min_s: float
    max_s: float
    grace_s: float = 2.0
    milestones_left_s: tuple[float, ...] = (10.0,)
    sets: int = 1
    rest_s: float = 30.0


@dataclass(frozen=True)
class RepSpec:
    metric: str
    increasing: bool  # whether the metric grows from the start to the end position
    start: float  # back past this: the rep is over (counted)
    end: float  # past this: the end position is reached
    target: int
    sets: int = 1
    rest_s: float = 30.0
    min_rep_s: float = 0.6
    hold_end_s: float = 0.0  # the stay at the end position the exercise asks for (spoken: "Hold." … "Lower.")
    # Whether a rep lowered before ``hold_end_s`` is left uncounted (else it counts, and the
    # short hold is cued either way).
    hold_end_strict: bool = True
    # Which leg a rep belongs to: the leg whose "{leg}_…" measurement is larger at the rep's
    # extreme (e.g. "{leg}_hip_abduction" for side leg raises). None: the front leg.
    leg_by: str | None = None
    # start/end as fractions of the person's own range (see checkers.counters.RelativeSignal):
    # for small movements whose level varies with body and camera. ``window_s`` is the running
    # window; ``min_spread`` (the measurement's unit) the smallest swing that counts as one.
    relative: bool = False
    window_s: float = 4.0
    min_spread: float = 0.0
    # Where the start position's own level varies with body and camera (a bridge's hips-down
    # knee-hip-shoulder reads 120-150°): the start band moves in to this far past the level
    # held at rest, never further out than ``start``. None: ``start`` as written.
    rest_margin: float | None = None
    # A relative swing's side: the side a rep is counted for when its swing goes + (first)
    # or − (second), e.g. the side the knees tip to in hip shifting. None: not by the swing.
    swing_sides: tuple[str, str] | None = None

    def leg_metrics(self) -> tuple[str, str] | None:
        return (
            None
            if self.leg_by is None
            else (self.leg_by.replace("{leg}", "left"), self.leg_by.replace("{leg}", "right"))
        )

    def past_end(self, value: float) -> bool:
        return value >= self.end if self.increasing else value <= self.end

    def past_start(self, value: float, start: float | None = None) -> bool:
        """Back in the start position (or never left it); ``start`` overrides the file's."""
        start = self.start if start is None else start
        return value <= start if self.increasing else value >= start

    def start_from_rest(self, rest: float) -> float:
        """The start threshold for a person whose start position reads ``rest``."""
        if self.rest_margin is None or not math.isfinite(rest):
            return self.start
        if self.increasing:
            return min(self.start, rest + self.rest_margin)
        return max(self.start, rest - self.rest_margin)

    def further(self, a: float, b: float) -> bool:
        """Whether ``a`` is further toward the end position than ``b``."""
        return a > b if self.increasing else a < b


@dataclass(frozen=True)
class CycleSpec:
    x: str
    y: str
    target: int  # per direction
    directions: tuple[str, ...] = ("clockwise", "counterclockwise")
    min_radius: float = 0.02
    centre_window_s: float = 3.0
    sets: int = 1
    rest_s: float = 30.0


@dataclass(frozen=True)
class SourceCue:
    """One thing a cited source says to do, verbatim, and how the file handles it: the rules
    (or the ``setup`` table, or the kind's ``hold``/``reps``/``cycles`` table) that check it, and/or why a camera cannot
    (or can only partly) judge it, so it stays spoken advice."""

    says: str
    checked_by: tuple[str, ...] = ()
    why: str = ""


@dataclass(frozen=True)
class Cues:
    start: str
    done: str
    cooldown_s: float = 6.0
    side_switch: str = "Switch sides."
    encouragement: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExerciseDef:
    id: str
    name: str
    sources: tuple[str, ...]
    kind: Kind
    view: View
    placement: str
    sides: tuple[str, ...]
    rules: tuple[Rule, ...]
    cues: Cues
    setup: Setup = field(default_factory=Setup)
    hold: HoldSpec | None = None
    reps: RepSpec | None = None
    cycles: CycleSpec | None = None
    advice: tuple[str, ...] = ()
    source_cues: tuple[SourceCue, ...] = ()
    description: str = ""
    path: str = ""
    posture: Posture = Posture.ANY
    view_tolerance_deg: float = DEFAULT_VIEW_TOLERANCE_DEG  # how far off ``view`` the camera may stand

    def for_side(self, side: str) -> ExerciseDef:
        """This exercise with ``{side}``/``{other}`` bound to ``side`` in every metric."""
        rules = tuple(_bind_rule(r, side) for r in self.rules)
        setup = replace(
            self.setup,
            conditions=tuple(
                replace(c, metric=bind_side(c.metric, side), hint=bind_side(c.hint, side))
                for c in self.setup.conditions
            ),
        )
        reps = replace(self.reps, metric=bind_side(self.reps.metric, side)) if self.reps else None
        cycles = (
            replace(self.cycles, x=bind_side(self.cycles.x, side), y=bind_side(self.cycles.y, side))
            if self.cycles
            else None
        )
        return replace(self, rules=rules, setup=setup, reps=reps, cycles=cycles)

    def metric_names(self) -> tuple[str, ...]:
        """Every measurement this (side-bound) exercise reads, in a stable order."""
        names = [r.metric for r in self.rules] + [c.metric for c in self.setup.conditions]
        if self.reps:
            names.insert(0, self.reps.metric)
            names.extend(self.reps.leg_metrics() or ())
        if self.cycles:
            names[:0] = [self.cycles.x, self.cycles.y]
        return tuple(dict.fromkeys(names))
