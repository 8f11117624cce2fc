"""Recording survives a kill -9; re-analysis reproduces the live events; export keeps every frame."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import pytest
from footage import CLIPS, RENDERS, require

from formcoach.exercises.loader import find_exercise
from formcoach.recording.reader import find_recordings, load_recording
from formcoach.replay import compare_events, export_video, reanalyze
from formcoach.summary import VideoCount

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


@contextmanager
def cpu_hogs(n: int) -> Iterator[None]:
    """``n`` CPU-bound processes beside the test, killed after it."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def start_coach(tmp_path: Path, clip: Path, *extra: str, lines: int = 1) -> tuple[subprocess.Popen[bytes], Path]:
    """A coach run of ``clip``, returned once ``lines`` poses are on disk."""
    command = coach_command(tmp_path, "couch_stretch", clip, "--side", "left", *extra)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        poses = list(tmp_path.glob("*/poses.jsonl"))
        if poses and poses[0].read_bytes().count(b"\n") >= lines:
            return process, poses[0].parent
        time.sleep(0.02)
    raise AssertionError(f"the coach did not record {lines} frames in time")


def video_frame_count(path: Path) -> int:
    capture = cv2.VideoCapture(str(path))
    frames = 0
    while capture.read()[0]:
        frames += 1
    return frames


def test_kill_9_with_the_cpu_busy_leaves_all_but_the_last_second_of_video(tmp_path: Path) -> None:
    """Issue #13's done-when: kill -9 at five random moments beside two CPU-bound processes
    leaves video on disk of at least (elapsed − 1 s), elapsed being the session time the
    coach had reached (its flushed poses). The writer queues at most 0.5 s and the file
    trails the encoder by one 32 KB block (~2 frames), so 1 s leaves ~0.4 s for frames
    dropped in a burst of load; a dropped frame is counted, and the remaining ones must all
    be there. The hogs start once the session is 1 s in (so the check is never vacuous and
    the model's start-up, 8-16 s beside them on a shared 2-core machine, is not waited for)
    and run for 1-3 s, several queue lengths, before the kill."""
    clip = require(RENDERS / "couch_stretch__render_A.mp4")
    moments = [random.uniform(1.0, 3.0) for _ in range(5)]
    for run, wait_s in enumerate(moments):
        process, folder = start_coach(tmp_path / f"run{run}", clip, lines=15)
        with cpu_hogs(2):
            time.sleep(wait_s)
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        assert process.returncode == -signal.SIGKILL, "the run finished before it could be killed"

        recording = load_recording(folder)
        assert recording.summary is None  # it never got to the end
        fps = recording.meta["fps"]
        frames = video_frame_count(folder / "video.avi")
        recorded = len(recording.poses)
        moment = f"killed {wait_s:.1f} s into the load: {recorded} frames analysed, {frames} in the video"
        assert frames >= recorded - fps * 1.0, moment
        # …and no more than were queued: every frame left out was counted as dropped.
        assert frames <= recorded - recording.video_dropped + 1, moment
        assert len(reanalyze(recording)) == recorded  # replay re-analyses it


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


def stop_with(process: subprocess.Popen[bytes], *signals: signal.Signals) -> tuple[str, str]:
    """Send ``signals`` 0.1 s apart; the run's output once it has ended."""
    for signum in signals:
        process.send_signal(signum)
        time.sleep(0.1)
    out, err = process.communicate(timeout=60)
    return out.decode(), err.decode()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_cleanly_with_the_cpu_busy(tmp_path: Path, signum: signal.Signals) -> None:
    clip = require(RENDERS / "couch_stretch__render_A.mp4")
    process, folder = start_coach(tmp_path, clip, lines=15)
    with cpu_hogs(2):
        time.sleep(random.uniform(1.0, 3.0))
        out, err = stop_with(process, signum)
    assert process.returncode == 128 + signum, err
    assert "Traceback" not in err
    assert f"stopped — recorded to {folder}" in out.replace("\n", "")
    recording = load_recording(folder)
    assert recording.summary is not None
    frames = video_frame_count(folder / "video.avi")
    # A clean stop drains the queue: every frame not dropped is in the video, as counted.
    assert frames == len(recording.poses) - recording.video_dropped
    assert recording.summary.video == VideoCount(frames, recording.video_dropped)
    assert frames >= len(recording.poses) - recording.meta["fps"] * 1.0


def test_ctrl_c_twice_stops_cleanly(tmp_path: Path) -> None:
    process, folder = start_coach(tmp_path, require(RENDERS / "couch_stretch__render_A.mp4"), lines=15)
    out, err = stop_with(process, signal.SIGINT, signal.SIGINT)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "Abort" not in err
    assert f"stopped — recorded to {folder}" in out.replace("\n", "")
    recording = load_recording(folder)
    assert recording.summary is not None and recording.summary.duration_s >= 1.0 - 1 / 15
