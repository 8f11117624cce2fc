"""One path after the pose: a recorded session's report, replay and CSV show what the live
coach measured, decided and said, frame for frame."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from footage import CLIPS, require

from formcoach.coach import CoachOptions, SpeechOptions, coach_session
from formcoach.exercises.loader import find_exercise
from formcoach.pose.mediapipe_estimator import MediaPipePoseEstimator
from formcoach.pose.models import resolve_model
from formcoach.recording.reader import load_recording
from formcoach.replay import ReplayCues, measurement_series, reanalyze
from formcoach.report.data import load_session
from formcoach.sources import VideoFileSource
from formcoach.types import Step

pytestmark = [pytest.mark.clips, pytest.mark.slow]


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Step], Path, Path]:
    """A live run of a real clip, recorded, with every spoken cue logged by the speech worker."""
    clip = require(CLIPS / "glute_bridge__darebee.mp4")
    tmp = tmp_path_factory.mktemp("live")
    steps: list[Step] = []
    options = CoachOptions(
        window=False, record_dir=tmp / "rec", speech=SpeechOptions(mute=True, wav_dir=tmp / "speech")
    )
    exercise = find_exercise("glute_bridge")
    with VideoFileSource(clip) as source, MediaPipePoseEstimator(resolve_model("full")) as estimator:
        result = coach_session(exercise, source, estimator, options, None, steps.append)
    assert result.recording is not None
    assert sum(e.kind.value == "rep_done" for s in steps for e in s.update.events) == 5
    return steps, result.recording, tmp / "speech" / "speech.jsonl"


def test_the_report_plots_what_the_live_coach_measured(live: tuple[list[Step], Path, Path]) -> None:
    steps, folder, _ = live
    data = load_session(folder)
    by_t = {step.update.t: step.metrics for step in steps}
    assert data.series, "nothing plotted"
    for series in data.series:
        assert len(series.t) > 100
        for t, value in zip(series.t, series.values, strict=True):
            assert same(value, by_t[float(t)].get(series.name)), (series.name, t)


def test_the_csv_holds_what_the_live_coach_measured(live: tuple[list[Step], Path, Path]) -> None:
    steps, folder, _ = live
    recording = load_recording(folder)
    names, rows = measurement_series(recording, find_exercise("glute_bridge"))
    by_t = {step.update.t: step.metrics for step in steps}
    assert len(rows) == len(steps)
    for row in rows:
        metrics = by_t[row[0]]
        for name, value in zip(names, row[1:], strict=False):
            if not name.startswith("rule:"):
                assert same(value, metrics.get(name)), (name, row[0])


def test_the_replay_shows_the_cues_the_live_coach_said(live: tuple[list[Step], Path, Path]) -> None:
    _, folder, speech_log = live
    recording = load_recording(folder)
    exercise = find_exercise("glute_bridge")
    cues = ReplayCues(recording, exercise)
    shown = [(step.update.t, cues(step)) for step in reanalyze(recording, exercise)]
    said = [(record["t"], record["text"]) for record in map(json.loads, speech_log.read_text().splitlines())]
    assert len(said) >= 6  # the start cue and five counts at least
    # Every cue the live coach said is on the replay's screen from that frame on ...
    for spoken_t, text in said:
        (t, on_screen), *_ = [(t, c) for t, c in shown if abs(t - spoken_t) < 1e-3]
        assert on_screen == text, (spoken_t, text)
    # ... and the replay shows no cue the live coach did not say.
    changes = [(t, text) for (t, text), (_, before) in zip(shown[1:], shown, strict=False) if text and text != before]
    assert changes
    for t, text in changes:
        assert any(abs(t - spoken_t) < 1e-3 and text == spoken for spoken_t, spoken in said), (t, text)
