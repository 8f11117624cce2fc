"""A recording made by formcoach itself (tests/data/golden_bridge, made by
tests/data/make_golden.py) pins everything after pose estimation: smoothing, measurements,
rep counting, rules and the summary. Needs no model, no camera and no footage."""

from __future__ import annotations

from pathlib import Path

from formcoach.exercises.loader import find_exercise
from formcoach.recording.reader import load_recording
from formcoach.replay import reanalysis_summary, reanalyze
from formcoach.types import EventKind

DATA = Path(__file__).parent / "data"


def test_golden_recording_replays_to_the_same_events() -> None:
    recording = load_recording(DATA / "golden_bridge")
    exercise = find_exercise("glute_bridge", DATA / "exercises")
    steps = reanalyze(recording, exercise)
    again = [(e.t, e.kind, e.key, e.message, e.side) for step in steps for e in step.update.events]
    live = [(e.t, e.kind, e.key, e.message, e.side) for e in recording.events]
    assert again == live
    reps = [e for e in recording.events if e.kind is EventKind.REP_DONE]
    assert [e.message for e in reps] == ["One", "Two", "Three", "Four", "Five"]  # the clip's label: 5


def test_golden_summary_is_rebuilt_from_the_replay() -> None:
    recording = load_recording(DATA / "golden_bridge")
    exercise = find_exercise("glute_bridge", DATA / "exercises")
    rebuilt = reanalysis_summary(reanalyze(recording, exercise), exercise)
    assert recording.summary is not None
    assert rebuilt.reps == recording.summary.reps
    assert rebuilt.sides == recording.summary.sides
