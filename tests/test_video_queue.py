"""The recorder's video queue: bounded in time, holding downscaled frames, and dropping (and
marking) frames the encoder cannot keep up with, so replay stays aligned with the poses."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from synthetic import Camera, sequence
from test_report import LUNGE, _lunge_keyframes

from formcoach.checkers.session import ExerciseSession
from formcoach.cli.coaching import _video_gaps
from formcoach.exercises.schema import Kind
from formcoach.pipeline import Analyzer, replay
from formcoach.recording import writer
from formcoach.recording.avi import MjpegAvi
from formcoach.recording.reader import load_recording
from formcoach.recording.writer import VIDEO_QUEUE_S, SessionRecorder
from formcoach.replay import video_frames
from formcoach.summary import Summary, VideoCount
from formcoach.types import Frame, ImageArray, Step

FPS = 30.0
QUEUED = int(FPS * VIDEO_QUEUE_S)  # frames the queue holds: 15


class GatedWriter(MjpegAvi):
    """The video file whose ``write`` waits for the test to open the gate: an encoder that
    has fallen behind, on demand. Counts what it wrote and keeps each image's shape."""

    gate = threading.Event()
    entered = threading.Event()
    written: ClassVar[list[tuple[int, ...]]] = []

    def write(self, image: ImageArray) -> None:
        GatedWriter.entered.set()
        GatedWriter.gate.wait(timeout=30)
        super().write(image)
        GatedWriter.written.append(image.shape)


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch) -> type[GatedWriter]:
    GatedWriter.gate.clear()
    GatedWriter.entered.clear()
    GatedWriter.written = []
    monkeypatch.setattr(writer, "MjpegAvi", GatedWriter)
    return GatedWriter


def steps(count: int, size: tuple[int, int]) -> list[Step]:
    """``count`` pipeline steps whose frames are plain grey, frame i at level 4·i (which
    survives JPEG), so the frame a video shows can be told from its picture."""
    poses = sequence(_lunge_keyframes(), fps=FPS, facing="left", legs_follow_trunk=False, camera=Camera())
    out = []
    for step in replay(poses[:count], Analyzer(ExerciseSession(LUNGE, ("left",)))):
        level = 4 * step.update.frame_index
        frame = Frame(step.update.frame_index, step.update.t, np.full((size[1], size[0], 3), level, np.uint8))
        out.append(replace(step, frame=frame))
    return out


def wait_for(condition: Any) -> None:
    for _ in range(3000):
        if condition():
            return
        threading.Event().wait(0.01)
    raise AssertionError("the video writer never got there")


def test_a_writer_that_falls_behind_drops_and_marks_frames_and_replay_stays_aligned(
    tmp_path: Path, gated: type[GatedWriter]
) -> None:
    recorder = SessionRecorder(tmp_path / "rec", {"exercise": "lunge", "fps": FPS}, FPS, (160, 120))
    frames = steps(50, (160, 120))
    recorder(frames[0])
    wait_for(gated.entered.is_set)  # frame 0 is being encoded, stuck at the gate
    for step in frames[1:40]:
        recorder(step)  # 1..15 fill the queue; 16..39 find it full
    assert recorder.video_count == VideoCount(frames=1 + QUEUED, dropped=39 - QUEUED)
    gated.gate.set()
    wait_for(lambda: len(gated.written) == 1 + QUEUED)
    for step in frames[40:]:
        recorder(step)  # the encoder caught up: nothing dropped
    recorder.close()
    assert recorder.video_count == VideoCount(frames=11 + QUEUED, dropped=39 - QUEUED)

    recording = load_recording(tmp_path / "rec")
    assert len(recording.poses) == 50 and recording.video_dropped == 39 - QUEUED
    shown = [int(frame.image.mean() / 4 + 0.5) for frame in video_frames(recording)]
    # A dropped frame shows the last one the video has, so every frame stays at its time.
    assert shown == [*range(QUEUED + 1), *[QUEUED] * (39 - QUEUED), *range(40, 50)]


def test_frames_are_downscaled_before_they_are_queued(tmp_path: Path, gated: type[GatedWriter]) -> None:
    recorder = SessionRecorder(tmp_path / "rec", {"exercise": "lunge", "fps": FPS}, FPS, (3840, 2160))
    for step in steps(3, (3840, 2160)):
        recorder(step)
    gated.gate.set()
    recorder.close()
    assert gated.written == [(480, 854, 3)] * 3  # a 4K frame is 25 MB; queued, 1.2 MB


def with_video(frames: int, dropped: int) -> Summary:
    return Summary("lunge", "Lunge", Kind.REPS, 30.0, 1.0, {}, video=VideoCount(frames, dropped))


def test_dropped_frames_are_said_with_the_recording() -> None:
    no_video = Summary("lunge", "Lunge", Kind.REPS, 30.0, 1.0, {})
    assert _video_gaps([with_video(880, 20), with_video(100, 0), no_video]) == (
        " (the video misses 20 of 1000 frames: the computer was too busy to encode them)"
    )
    assert _video_gaps([with_video(900, 0)]) == ""
