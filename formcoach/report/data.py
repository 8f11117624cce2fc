"""One recording, read back and measured again: what the session and history pages show.

The measurements are recomputed from the recorded (raw) poses through the same smoother and
registry the live coach used, so the plotted values are the ones the checker judged.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from formcoach.errors import FormcoachError
from formcoach.exercises.loader import find_exercise
from formcoach.exercises.routines import find_routine
from formcoach.exercises.schema import BOTH, ExerciseDef, Kind, Rule, bind_side
from formcoach.measurements import MEASUREMENTS, Unit
from formcoach.recording.reader import Recording, load_recording
from formcoach.report.pain import load_pain
from formcoach.runner import Reanalysis, reanalyse_recording
from formcoach.summary import SideResult, Summary, build_summary
from formcoach.types import Event, EventKind, FloatArray, Step

ROUTINE = "routine.json"


@dataclass(frozen=True)
class Band:
    """A rule's good band as plotted: absolute values (a relative rule's offsets are added
    to the user's own starting value, as the checker did)."""

    rule: Rule
    low: float
    high: float


@dataclass(frozen=True)
class Series:
    """One measurement over one side's part of the session."""

    name: str  # bound to the side, e.g. "left_knee_flexion"
    template: str  # as the exercise file writes it, e.g. "{side}_knee_flexion"
    side: str
    t: FloatArray
    values: FloatArray
    bands: tuple[Band, ...]
    active: tuple[tuple[float, float], ...]  # the spans range of motion is read over
    active_label: str  # those spans in words

    @property
    def unit(self) -> Unit:
        return MEASUREMENTS[self.name].unit

    def active_values(self) -> FloatArray:
        inside = np.zeros(len(self.t), dtype=bool)
        for start, end in self.active:
            inside |= (self.t >= start) & (self.t <= end)
        chosen: FloatArray = self.values[inside & np.isfinite(self.values)]
        return chosen

    def reached(self) -> tuple[float, float] | None:
        """(lowest, highest) over the active spans; None when never measured there."""
        values = self.active_values()
        return (float(values.min()), float(values.max())) if values.size else None


@dataclass(frozen=True)
class SessionData:
    folder: Path
    recording: Recording
    started: datetime | None
    exercise: ExerciseDef | None  # None when its file is gone: no plots, summary as saved
    notes: tuple[str, ...]  # what the reader should know: exercise missing or changed, pain unreadable
    summary: Summary | None
    summary_rebuilt: bool  # summary.json was missing (the process was killed)
    sides: tuple[str, ...]  # sides that got past setup, in order
    series: tuple[Series, ...]
    pain: dict[str, int | None]
    steps: tuple[Step, ...] = ()  # the recording re-run through the checker, frame by frame

    @property
    def events(self) -> tuple[Event, ...]:
        return self.recording.events

    @property
    def duration_s(self) -> float:
        if self.summary is not None:
            return self.summary.duration_s
        return self.recording.duration_s

    def corrections(self) -> list[Event]:
        return [e for e in self.events if e.kind is EventKind.RULE_FAIL]


def parse_started(meta: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(meta["started_at"]))
    except (KeyError, ValueError):
        return None


def _exercise_for(folder: Path, exercise_id: str) -> ExerciseDef:
    """The exercise as coached: a routine step may override its targets."""
    routine_file = folder.parent / ROUTINE
    if routine_file.exists():
        try:
            routine = find_routine(str(json.loads(routine_file.read_text(encoding="utf-8"))["routine"]))
            for step in routine.steps:
                if step.exercise.id == exercise_id:
                    return step.exercise
        except (FormcoachError, json.JSONDecodeError, KeyError):
            pass  # the routine file changed or is gone: the plain exercise is the next best
    return find_exercise(exercise_id)


def _exercise_changed(exercise: ExerciseDef, meta: dict[str, Any]) -> bool:
    recorded = str(meta.get("exercise_files", {}).get(exercise.id, {}).get("sha256", ""))
    if not recorded or not exercise.path:
        return False
    return hashlib.sha256(Path(exercise.path).read_bytes()).hexdigest() != recorded


def side_spans(events: tuple[Event, ...], start: float, end: float) -> dict[str, tuple[float, float]]:
    """Where each side's part of the session lies: from its first event to the next side's."""
    order: list[tuple[str, float]] = []
    for event in events:
        if event.side and event.side not in dict(order):
            order.append((event.side, event.t))
    spans: dict[str, tuple[float, float]] = {}
    for i, (side, t) in enumerate(order):
        spans[side] = (start if i == 0 else t, order[i + 1][1] if i + 1 < len(order) else end)
    return spans


def _active_spans(
    summary: Summary | None, side: str, span: tuple[float, float], started: float
) -> tuple[tuple[tuple[float, float], ...], str]:
    """Counted reps or held time of ``side``, and what they are in words: range of motion
    is what the user did there, not while getting into position or between sides."""
    if summary is not None:
        holds = summary.kind is Kind.HOLD
        done = summary.holds_of(side) if holds else summary.reps_of(side)
        spans = tuple((s.start_s, s.end_s) for s in done)
        if spans:
            return spans, "while holding" if holds else f"during {len(spans)} counted reps"
    return ((started, span[1]),), "whole side"


def _rebuild_summary(exercise: ExerciseDef, recording: Recording) -> Summary:
    events = list(recording.events)
    start = recording.poses[0][0] if recording.poses else 0.0
    end = recording.poses[-1][0] if recording.poses else 0.0
    summary = build_summary(exercise, events, {}, start, end)
    # The live hold clock is not in the events; the held spans add up to it.
    held = {side: round(sum(h.end_s - h.start_s for h in summary.holds_of(side)), 2) for side in summary.sides}
    return replace(summary, sides={side: replace(entry, hold_s=held[side]) for side, entry in summary.sides.items()})


def _bands(exercise: ExerciseDef, name: str, baselines: dict[str, float]) -> tuple[Band, ...]:
    """The rules' bands on ``name`` as the checker judged them: a relative rule's offsets
    around the user's own value it learnt (no band where it learnt none, as it judged none)."""
    bands = []
    for rule in exercise.rules:
        if rule.metric != name or (rule.relative and rule.id not in baselines):
            continue
        offset = baselines[rule.id] if rule.relative else 0.0
        bands.append(Band(rule, rule.minimum + offset, rule.maximum + offset))
    return tuple(bands)


def _measured(recording: Recording, exercise: ExerciseDef) -> tuple[FloatArray, dict[str, FloatArray], Reanalysis]:
    """Every measurement the checker saw, per recorded frame: the recording re-run through it."""
    again = reanalyse_recording(recording, exercise)
    t = np.array([step.update.t for step in again.steps], dtype=np.float64)
    names = tuple(dict.fromkeys(name for step in again.steps[:1] for name in step.metrics.values))
    columns = {name: np.array([step.metrics.get(name) for step in again.steps], dtype=np.float64) for name in names}
    return t, columns, again


def load_session(folder: Path) -> SessionData:
    """Read and re-measure the recording in ``folder`` (a FormcoachError if it is not one)."""
    recording = load_recording(folder)
    meta = recording.meta
    exercise: ExerciseDef | None = None
    notes: list[str] = []
    try:
        exercise = _exercise_for(folder, str(meta.get("exercise", "")))
        if _exercise_changed(exercise, meta):
            notes.append("The exercise file has changed since this session: the bands shown are today's.")
    except FormcoachError as error:
        notes.append(f"Measurements not shown: {error}")
    try:
        pain = load_pain(folder)
    except FormcoachError as error:
        pain = {"before": None, "after": None}
        notes.append(f"Pain ratings not shown: {error}")
    summary, rebuilt = recording.summary, False
    if summary is None and exercise is not None:
        summary, rebuilt = _rebuild_summary(exercise, recording), True

    start = recording.poses[0][0] if recording.poses else 0.0
    end = recording.poses[-1][0] if recording.poses else 0.0
    spans = side_spans(recording.events, start, end)
    # Each side's first START (a side restarted by the user starts again later).
    starts = {e.side: e.t for e in reversed(recording.events) if e.kind is EventKind.START}
    sides = tuple(side for side in spans if side in starts)
    series: list[Series] = []
    again: Reanalysis | None = None
    if exercise is not None and sides:
        bound = {side: exercise.for_side(side) for side in sides}
        t, columns, again = _measured(recording, exercise)
        for side in sides:
            lo, hi = spans[side]
            inside = (t >= lo) & (t <= hi)
            active, active_label = _active_spans(summary, side, spans[side], starts[side])
            seen: set[str] = set()
            for template in exercise.metric_names():
                name = bind_side(template, side)
                if name in seen:
                    continue
                seen.add(name)
                values = columns[name][inside] if name in columns else np.full(int(inside.sum()), math.nan)
                bands = _bands(bound[side], name, again.baselines.get(side, {}))
                series.append(Series(name, template, side, t[inside], values, bands, active, active_label))
    return SessionData(
        folder=folder,
        recording=recording,
        started=parse_started(meta),
        exercise=exercise,
        notes=tuple(notes),
        summary=summary,
        summary_rebuilt=rebuilt,
        sides=sides,
        series=tuple(series),
        pain=pain,
        steps=tuple(again.steps) if again is not None else (),
    )


def metric_label(name: str) -> str:
    """``left_knee_flexion_3d`` → ``Left knee flexion (3-D)``; ``{side}``/``{other}`` read as
    the exercised and the other leg."""
    text = name.replace("{side}_", "exercised leg: ").replace("{other}_", "other leg: ")
    world = text.endswith("_3d")
    text = text.removesuffix("_3d").replace("_", " ")
    text = text[:1].upper() + text[1:]
    return f"{text} (3-D)" if world else text


def side_label(side: str) -> str:
    return "Both sides" if side == BOTH else f"{side.capitalize()} side"


def _rep_target(exercise: ExerciseDef | None) -> str:
    if exercise is None or exercise.reps is None:
        return ""
    if exercise.reps.sets > 1:
        return f" (target: {exercise.reps.sets} sets of {exercise.reps.target})"
    return f" of {exercise.reps.target}"


def side_result(kind: Kind, entry: SideResult, exercise: ExerciseDef | None) -> str:
    """What one side of a summary did, in words: ``6 reps of 12``, ``held 33 s of 60 s``."""
    if kind is Kind.HOLD:
        held = f"{entry.hold_s:.0f} s"
        return f"held {held} of {entry.hold_target_s:.0f} s" if entry.hold_target_s else f"held {held}"
    if kind is Kind.CYCLES:
        target = f" of {exercise.cycles.target} each way" if exercise and exercise.cycles else ""
        done = ", ".join(f"{n} {direction}" for direction, n in entry.cycles.items()) or "none"
        return f"circles: {done}{target}"
    per_set = f" (sets: {', '.join(str(s.reps) for s in entry.sets)})" if len(entry.sets) > 1 else ""
    return f"{entry.reps} reps{_rep_target(exercise)}{per_set}"
