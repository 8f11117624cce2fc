"""The session summary: what was done, built from the checker's events.

The JSON it writes (``--summary-json``, and ``summary.json`` in a recording) is a stable,
documented interface that other tools read (see README, "Summary format"):

    {"format": "formcoach-summary", "version": 1, "exercise": ID, "name": NAME,
     "kind": "reps|hold|cycles", "duration_s": S, "started_s": S | null (when coaching began),
     "sides": {SIDE: {"reps": N, "sets": [{"set": 1, "reps": N}], "hold_s": S,
                      "hold_target_s": S | null, "cycles": {"clockwise": N, ...}}},
     "reps": [{"side", "set", "rep", "start_s", "end_s", "leg"}],
     "cycles": [{"side", "direction", "t"}],
     "holds": [{"side", "start_s", "end_s"}],
     "cues": [{"t", "rule", "text", "side"}],
     "setup_hints": [{"t", "text"}],
     "camera": {"azimuth_deg", "elevation_deg", "offset_deg"} | null,
     "video": {"frames": N, "dropped": N} (recorded sessions with video only)}
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from formcoach.exercises.schema import ExerciseDef, Kind
from formcoach.types import Event, EventKind, Step
from formcoach.view import offset_from, wrap_deg

SUMMARY_FORMAT = "formcoach-summary"
SUMMARY_VERSION = 1


@dataclass(frozen=True)
class SetResult:
    set: int
    reps: int


@dataclass(frozen=True)
class SideResult:
    """One side's work: reps (and per set), the hold clock against its target, circles each way."""

    reps: int = 0
    sets: tuple[SetResult, ...] = ()
    hold_s: float = 0.0
    hold_target_s: float | None = None
    cycles: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RepRecord:
    side: str
    set: int
    rep: int
    start_s: float
    end_s: float
    leg: str = ""  # the leg that did it, when the pose tells (a split stance); "" for bilateral moves


@dataclass(frozen=True)
class CycleRecord:
    side: str
    direction: str
    t: float


@dataclass(frozen=True)
class HoldSpan:
    side: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class CueRecord:
    t: float
    rule: str
    text: str
    side: str


@dataclass(frozen=True)
class HintRecord:
    t: float
    text: str


@dataclass(frozen=True)
class CameraRecord:
    azimuth_deg: float
    elevation_deg: float
    offset_deg: float | None = None  # from the view the exercise asks for (None: any view)


@dataclass(frozen=True)
class VideoCount:
    """How many frames the video holds and how many it lost because the encoder fell behind."""

    frames: int
    dropped: int


@dataclass(frozen=True)
class Summary:
    """A session's summary, as ``summary.json`` and ``--summary-json`` write it (the module
    docstring gives the JSON); ``to_json``/``from_json`` are the only places its keys are spelt."""

    exercise: str
    name: str
    kind: Kind
    duration_s: float
    started_s: float | None
    sides: dict[str, SideResult]
    reps: tuple[RepRecord, ...] = ()
    cycles: tuple[CycleRecord, ...] = ()
    holds: tuple[HoldSpan, ...] = ()
    cues: tuple[CueRecord, ...] = ()
    setup_hints: tuple[HintRecord, ...] = ()
    camera: CameraRecord | None = None
    video: VideoCount | None = None  # recorded sessions with video only

    @property
    def total_reps(self) -> int:
        return sum(side.reps for side in self.sides.values())

    @property
    def total_hold_s(self) -> float:
        return sum(side.hold_s for side in self.sides.values())

    def holds_of(self, side: str) -> tuple[HoldSpan, ...]:
        return tuple(h for h in self.holds if h.side == side)

    def reps_of(self, side: str) -> tuple[RepRecord, ...]:
        return tuple(r for r in self.reps if r.side == side)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        for entry in data["sides"].values():
            entry["sets"] = list(entry["sets"])
        for key in ("reps", "cycles", "holds", "cues", "setup_hints"):
            data[key] = list(data[key])
        if self.camera is not None and self.camera.offset_deg is None:
            del data["camera"]["offset_deg"]
        if self.video is None:
            del data["video"]
        return {"format": SUMMARY_FORMAT, "version": SUMMARY_VERSION, **data}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Summary:
        """The summary in ``data``; KeyError, TypeError or ValueError when it is damaged."""
        camera = data.get("camera")
        return cls(
            exercise=str(data["exercise"]),
            name=str(data["name"]),
            kind=Kind(data["kind"]),
            duration_s=float(data["duration_s"]),
            started_s=None if data.get("started_s") is None else float(data["started_s"]),
            sides={str(side): _side_from_json(entry) for side, entry in dict(data["sides"]).items()},
            reps=tuple(RepRecord(**r) for r in data.get("reps", [])),
            cycles=tuple(CycleRecord(**c) for c in data.get("cycles", [])),
            holds=tuple(HoldSpan(**h) for h in data.get("holds", [])),
            cues=tuple(CueRecord(**c) for c in data["cues"]),
            setup_hints=tuple(HintRecord(**h) for h in data.get("setup_hints", [])),
            camera=None if camera is None else CameraRecord(**camera),
            video=VideoCount(**data["video"]) if "video" in data else None,
        )


def _side_from_json(entry: dict[str, Any]) -> SideResult:
    target = entry.get("hold_target_s")
    return SideResult(
        reps=int(entry["reps"]),
        sets=tuple(SetResult(**s) for s in entry.get("sets", [])),
        hold_s=float(entry["hold_s"]),
        hold_target_s=None if target is None else float(target),
        cycles={str(k): int(v) for k, v in dict(entry.get("cycles", {})).items()},
    )


@dataclass
class SessionLog:
    """A sink that keeps every event and the session's extent (cheap: events are rare)."""

    exercise: ExerciseDef
    events: list[Event] = field(default_factory=list)
    first_t: float | None = None
    last_t: float = 0.0
    last_hold_s: dict[str, float] = field(default_factory=dict)
    views: list[tuple[float, float]] = field(default_factory=list)  # (azimuth, elevation) per frame
    stage = "summary"

    def __call__(self, step: Step) -> None:
        update = step.update
        if self.first_t is None:
            self.first_t = update.t
        self.last_t = update.t
        self.events.extend(update.events)
        self.last_hold_s[update.side] = update.hold_s
        view = step.metrics.view
        if view is not None:
            self.views.append((view.azimuth_deg, view.elevation_deg))

    def summary(self) -> Summary:
        summary = build_summary(self.exercise, self.events, self.last_hold_s, self.first_t or 0.0, self.last_t)
        return replace(summary, camera=camera_summary(self.exercise, self.views))


def camera_summary(exercise: ExerciseDef, views: list[tuple[float, float]]) -> CameraRecord | None:
    """Where the camera stood over the session (medians; the azimuth's around its circular
    mean, so a camera at ±180° is not averaged to 0): None when it was never judged."""
    if not views:
        return None
    azimuths = np.radians([a for a, _ in views])
    mean = math.atan2(float(np.mean(np.sin(azimuths))), float(np.mean(np.cos(azimuths))))
    azimuth = wrap_deg(math.degrees(mean) + float(np.median([wrap_deg(math.degrees(a - mean)) for a in azimuths])))
    elevation = round(float(np.median([e for _, e in views])), 1)
    offset = round(offset_from(azimuth, exercise.view.azimuths), 1) if exercise.view.azimuths else None
    return CameraRecord(round(azimuth, 1), elevation, offset)


@dataclass
class _SideTally:
    reps: int = 0
    sets: list[SetResult] = field(default_factory=list)
    cycles: dict[str, int] = field(default_factory=dict)


@dataclass
class _Records:
    """The summary's lists, gathered event by event."""

    reps: list[RepRecord] = field(default_factory=list)
    cycles: list[CycleRecord] = field(default_factory=list)
    holds: list[HoldSpan] = field(default_factory=list)
    cues: list[CueRecord] = field(default_factory=list)
    hints: list[HintRecord] = field(default_factory=list)
    open_hold: dict[str, float] = field(default_factory=dict)

    def add(self, event: Event, tally: _SideTally | None) -> None:
        if event.kind is EventKind.REP_DONE and tally is not None:
            tally.reps += 1
            start = round(float(event.data.get("start_s", event.t)), 3)
            rep = int(event.data.get("rep", tally.reps))
            leg = str(event.data.get("leg", ""))
            self.reps.append(RepRecord(event.side, int(event.data.get("set", 1)), rep, start, round(event.t, 3), leg))
        elif event.kind is EventKind.SET_DONE and tally is not None:
            tally.sets.append(SetResult(int(event.data.get("set", 1)), int(event.data.get("reps", 0))))
        elif event.kind is EventKind.CYCLE_DONE and tally is not None:
            direction = str(event.data.get("direction", event.key))
            tally.cycles[direction] = tally.cycles.get(direction, 0) + 1
            self.cycles.append(CycleRecord(event.side, direction, round(event.t, 3)))
        elif event.kind is EventKind.HOLD_START:
            self.open_hold[event.side] = event.t
        elif event.kind in (EventKind.HOLD_PAUSE, EventKind.HOLD_DONE) and event.side in self.open_hold:
            self.holds.append(HoldSpan(event.side, round(self.open_hold.pop(event.side), 3), round(event.t, 3)))
        elif event.kind is EventKind.RULE_FAIL:
            self.cues.append(CueRecord(round(event.t, 3), event.key, event.message, event.side))
        elif event.kind is EventKind.SETUP_HINT:
            self.hints.append(HintRecord(round(event.t, 3), event.message))


def build_summary(
    exercise: ExerciseDef, events: list[Event], hold_s: dict[str, float], start_t: float, end_t: float
) -> Summary:
    """What the checker's events add up to; ``hold_s`` is each side's hold clock at the end."""
    tallies: dict[str, _SideTally] = {}
    records = _Records()
    for event in events:
        records.add(event, tallies.setdefault(event.side, _SideTally()) if event.side else None)
    for side, start in records.open_hold.items():
        records.holds.append(HoldSpan(side, round(start, 3), round(end_t, 3)))
    for side in hold_s:
        tallies.setdefault(side, _SideTally())
    # Only the sides the session reached (a side asked for but never begun is no "0 reps" row).
    order = {side: i for i, side in enumerate(exercise.sides)}
    target = exercise.hold.min_s if exercise.hold else None
    sides = {
        side: SideResult(tally.reps, tuple(tally.sets), round(hold_s.get(side, 0.0), 2), target, tally.cycles)
        for side, tally in sorted(tallies.items(), key=lambda item: order.get(item[0], len(order)))
    }
    started = next((e.t for e in events if e.kind is EventKind.START), None)
    return Summary(
        exercise=exercise.id,
        name=exercise.name,
        kind=exercise.kind,
        duration_s=round(end_t - start_t, 3),
        started_s=None if started is None else round(started, 3),
        sides=sides,
        reps=tuple(records.reps),
        cycles=tuple(records.cycles),
        holds=tuple(records.holds),
        cues=tuple(records.cues),
        setup_hints=tuple(records.hints),
    )
