"""Recording survives a kill -9; re-analysis reproduces the live events; export keeps every frame."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest
from footage import CLIPS, RENDERS, require

from formcoach.exercises.loader import find_exercise
from formcoach.recording.reader import find_recordings, load_recording
from formcoach.replay import compare_events, export_video, reanalyze

pytestmark = [pytest.mark.clips, pytest.mark.slow]


def coach_command(recordings: Path, exercise: str, clip: Path, *extra: str) -> list[str]:
    """A headless, silent, recorded coaching run of ``clip``."""
    return [sys.executable, "-m", "formcoach", "coach", exercise, "--source", str(clip), "--no-window", "--mute",
            "--recordings", str(recordings), *extra]  # fmt: skip


def record(tmp_path: Path, exercise: str, clip: Path, *extra: str) -> Path:
    result = subprocess.run(
        coach_command(tmp_path, exercise, clip, *extra), capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    [folder] = find_recordings(tmp_path)
    return folder


def test_kill_9_leaves_a_recording_that_replay_loads(tmp_path: Path) -> None:
    clip = require(RENDERS / "couch_stretch__render_A.mp4")
    command = coach_command(tmp_path, "couch_stretch", clip, "--side", "left")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Wait until recording has begun, then let it run for N seconds of wall time.
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob("*/poses.jsonl")) and time.monotonic() < deadline:
        time.sleep(0.05)
    n_seconds = 3.0
    time.sleep(n_seconds)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the run finished before it could be killed: use a longer clip"

    [folder] = find_recordings(tmp_path)
    recording = load_recording(folder)
    assert recording.summary is None  # it never got to the end
    # The clip plays faster than real time, so N seconds of wall time hold ≥ N − 1 s of session.
    assert recording.duration_s >= n_seconds - 1
    capture = cv2.VideoCapture(str(recording.video))
    frames = 0
    while capture.read()[0]:
        frames += 1
    fps = recording.meta["fps"]
    assert frames / fps >= n_seconds - 1
    # The video may trail the poses by what the encoder had queued: at most ~1 s of the run's
    # wall time (the clip plays faster than real time, so count frames processed per second).
    frames_per_wall_second = len(recording.poses) / n_seconds
    assert len(recording.poses) - frames <= frames_per_wall_second
    # …and replay can re-analyse it.
    steps = reanalyze(recording)
    assert len(steps) == len(recording.poses)


def test_reanalysis_reproduces_the_live_events_exactly(tmp_path: Path) -> None:
    folder = record(tmp_path, "lunge", require(RENDERS / "lunge__render_A.mp4"))
    recording = load_recording(folder)
    live = recording.events
    assert any(e.kind.value == "rep_done" for e in live) and any(e.kind.value == "rule_fail" for e in live)
    again = [event for step in reanalyze(recording) for event in step.update.events]
    assert compare_events(live, again) == []
    assert [(e.t, e.kind, e.key, e.message) for e in again] == [(e.t, e.kind, e.key, e.message) for e in live]


def test_export_has_the_source_frame_count(tmp_path: Path) -> None:
    clip = require(CLIPS / "glute_bridge__darebee.mp4")
    folder = record(tmp_path, "glute_bridge", clip)
    out = tmp_path / "annotated.mp4"
    written = export_video(load_recording(folder), out, find_exercise("glute_bridge"))
    source_frames = int(cv2.VideoCapture(str(clip)).get(cv2.CAP_PROP_FRAME_COUNT))
    exported = cv2.VideoCapture(str(out))
    count = 0
    while exported.read()[0]:
        count += 1
    assert written == count == source_frames


def test_no_video_records_landmarks_only(tmp_path: Path) -> None:
    folder = record(tmp_path, "glute_bridge", require(CLIPS / "glute_bridge__darebee.mp4"), "--no-video")
    recording = load_recording(folder)
    assert recording.video is None
    assert recording.summary is not None and recording.summary.sides["both"].reps == 5
