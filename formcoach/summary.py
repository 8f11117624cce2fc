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

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from formcoach.exercises.schema import ExerciseDef
from formcoach.files import write_text_atomic
from formcoach.pipeline import Step
from formcoach.types import Event, EventKind
from formcoach.view import offset_from, wrap_deg

SUMMARY_FORMAT = "formcoach-summary"
SUMMARY_VERSION = 1


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

    def summary(self) -> dict[str, Any]:
        summary = build_summary(self.exercise, self.events, self.last_hold_s, self.first_t or 0.0, self.last_t)
        summary["camera"] = camera_summary(self.exercise, self.views)
        return summary


def camera_summary(exercise: ExerciseDef, views: list[tuple[float, float]]) -> dict[str, float] | None:
    """Where the camera stood over the session (medians; the azimuth's around its circular
    mean, so a camera at ±180° is not averaged to 0): null when it was never judged."""
    if not views:
        return None
    azimuths = np.radians([a for a, _ in views])
    mean = math.atan2(float(np.mean(np.sin(azimuths))), float(np.mean(np.cos(azimuths))))
    azimuth = wrap_deg(math.degrees(mean) + float(np.median([wrap_deg(math.degrees(a - mean)) for a in azimuths])))
    camera = {"azimuth_deg": round(azimuth, 1), "elevation_deg": round(float(np.median([e for _, e in views])), 1)}
    if exercise.view.azimuths:
        camera["offset_deg"] = round(offset_from(azimuth, exercise.view.azimuths), 1)
    return camera


def build_summary(
    exercise: ExerciseDef, events: list[Event], hold_s: dict[str, float], start_t: float, end_t: float
) -> dict[str, Any]:
    sides: dict[str, dict[str, Any]] = {}

    def side_entry(side: str) -> dict[str, Any]:
        return sides.setdefault(
            side,
            {
                "reps": 0,
                "sets": [],
                "hold_s": round(hold_s.get(side, 0.0), 2),
                "hold_target_s": exercise.hold.min_s if exercise.hold else None,
                "cycles": {},
            },
        )

    reps, cycles, holds, cues, hints = [], [], [], [], []
    started = next((e.t for e in events if e.kind is EventKind.START), None)
    open_hold: dict[str, float] = {}
    for event in events:
        entry = side_entry(event.side) if event.side else None
        if event.kind is EventKind.REP_DONE and entry is not None:
            entry["reps"] += 1
            reps.append(
                {
                    "side": event.side,
                    "set": event.data.get("set", 1),
                    "rep": event.data.get("rep", entry["reps"]),
                    "start_s": round(float(event.data.get("start_s", event.t)), 3),
                    "end_s": round(event.t, 3),
                    "leg": event.data.get("leg", ""),
                }
            )
        elif event.kind is EventKind.SET_DONE and entry is not None:
            entry["sets"].append({"set": event.data.get("set", 1), "reps": event.data.get("reps", 0)})
        elif event.kind is EventKind.CYCLE_DONE and entry is not None:
            direction = str(event.data.get("direction", event.key))
            entry["cycles"][direction] = entry["cycles"].get(direction, 0) + 1
            cycles.append({"side": event.side, "direction": direction, "t": round(event.t, 3)})
        elif event.kind is EventKind.HOLD_START:
            open_hold[event.side] = event.t
        elif event.kind in (EventKind.HOLD_PAUSE, EventKind.HOLD_DONE) and event.side in open_hold:
            holds.append(
                {"side": event.side, "start_s": round(open_hold.pop(event.side), 3), "end_s": round(event.t, 3)}
            )
        elif event.kind is EventKind.RULE_FAIL:
            cues.append({"t": round(event.t, 3), "rule": event.key, "text": event.message, "side": event.side})
        elif event.kind is EventKind.SETUP_HINT:
            hints.append({"t": round(event.t, 3), "text": event.message})
    for side, start in open_hold.items():
        holds.append({"side": side, "start_s": round(start, 3), "end_s": round(end_t, 3)})
    for side, value in hold_s.items():
        side_entry(side)["hold_s"] = round(value, 2)
    # Only the sides the session reached (a side asked for but never begun is no "0 reps" row).
    order = {side: i for i, side in enumerate(exercise.sides)}
    sides = dict(sorted(sides.items(), key=lambda item: order.get(item[0], len(order))))
    return {
        "format": SUMMARY_FORMAT,
        "version": SUMMARY_VERSION,
        "exercise": exercise.id,
        "name": exercise.name,
        "kind": exercise.kind.value,
        "duration_s": round(end_t - start_t, 3),
        "started_s": None if started is None else round(started, 3),
        "sides": sides,
        "reps": reps,
        "cycles": cycles,
        "holds": holds,
        "cues": cues,
        "setup_hints": hints,
    }


def write_json(data: dict[str, Any], path: Path) -> None:
    """Write atomically and privately (0600): a reader never sees half a file."""
    write_text_atomic(path, json.dumps(data, indent=2) + "\n")
