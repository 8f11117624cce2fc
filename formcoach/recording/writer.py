"""Writes a session as it happens. A sink of the pipeline.

Poses and events are appended and flushed every frame (so a ``kill -9`` loses nothing the
OS has been handed); the video is encoded on its own thread so recording never slows the
frame loop, at most VIDEO_QUEUE_S behind it: a frame the encoder has no room for is dropped,
marked on its pose line and counted in the summary, never buffered; the summary is written
atomically at the end.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import queue
import shutil
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import cv2

from formcoach import __version__
from formcoach.background import move_off_the_loop_cpus
from formcoach.errors import FormcoachError
from formcoach.files import WholeWrites, create_unique_dir, make_private_dir, no_room, write_json, write_json_if_room
from formcoach.pose.models import sha256_of
from formcoach.recording.avi import MjpegAvi
from formcoach.recording.format import (
    EVENTS,
    META,
    POSES,
    RECORDING_SCHEMA,
    SAID,
    SUMMARY,
    VIDEO,
    event_to_json,
    pose_to_json,
    said_to_json,
)
from formcoach.summary import Summary, VideoCount
from formcoach.types import ImageArray, Said, Step

if TYPE_CHECKING:
    from formcoach.exercises.schema import ExerciseDef
    from formcoach.sources import FrameSource

# The encoder may trail the loop by this much stream time; a kill -9 then loses at most this
# (plus the frame being encoded). Half a second absorbs a hiccup of the disk or the scheduler.
VIDEO_QUEUE_S = 0.5
# A recording stops while this much room is left on its disk: the frames still queued for
# the video (0.5 s, ~0.6 MB at 480p) and the summary then fit, and nothing is cut mid-line.
DISK_RESERVE_BYTES = 2_000_000
# Recorded video is for looking back, not for pose estimation: capping its height keeps the
# encoder from competing with the live loop for the CPU (and 1080p MJPEG would be ~5 MB/s).
MAX_VIDEO_HEIGHT = 480


def video_size(size: tuple[int, int]) -> tuple[int, int]:
    """The recorded video's size for a source of ``size``: at most MAX_VIDEO_HEIGHT tall."""
    width, height = size
    if height <= MAX_VIDEO_HEIGHT:
        return size
    scale = MAX_VIDEO_HEIGHT / height
    return (round(width * scale / 2) * 2, MAX_VIDEO_HEIGHT)


class _VideoWriterThread:
    def __init__(self, path: Path, fps: float, size: tuple[int, int]) -> None:
        self.size = video_size(size)
        self._resize = self.size != size
        try:
            self._video = MjpegAvi(path, fps, self.size)
        except OSError as error:
            raise FormcoachError(f"cannot write video to {path}: {error.strerror}; try --no-video") from None
        self._queue: queue.Queue[ImageArray | None] = queue.Queue(maxsize=max(2, math.ceil(fps * VIDEO_QUEUE_S)))
        self.queued = self.dropped = 0
        self.failure: OSError | None = None  # the write that failed (a full disk): no video after it
        self._thread = threading.Thread(target=self._run, name="video-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        # Off the loop's CPUs but not niced: at nice 19 beside one CPU-bound process the
        # encoder got ~1 % of its CPU and a kill -9 left an empty video.
        move_off_the_loop_cpus()
        while (image := self._queue.get()) is not None:
            if self.failure is None:
                try:
                    self._video.write(image)
                except OSError as error:
                    self.failure = error
        self._video.close()

    def offer(self, image: ImageArray) -> bool:
        """Queue ``image`` (downscaled here, so the queue never holds full-size frames: a 4K
        frame is 25 MB); False when the encoder is VIDEO_QUEUE_S behind and it was dropped,
        or when a write failed and the video ends there."""
        if self._queue.full() or self.failure is not None:  # only this thread puts
            self.dropped += 1
            return False
        small = (
            cast(ImageArray, cv2.resize(image, self.size, interpolation=cv2.INTER_LINEAR)) if self._resize else image
        )
        self._queue.put(small)
        self.queued += 1
        return True

    @property
    def count(self) -> VideoCount:
        """Frames in the video file and frames missing from it (dropped, or queued when a
        write failed), once closed; while recording, queued frames count as in it."""
        written = self.queued if self.failure is None else self._video.frames
        return VideoCount(written, self.dropped + self.queued - written)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()


def create_session_folder(root: Path, name: str) -> Path:
    """A new private folder ``root/<date-time>_<name>``; the wall clock names the folder and
    nothing else."""
    stamp = datetime.now().strftime("%Y-%m-%d_%H%M%S")
    try:
        return create_unique_dir(root, f"{stamp}_{name}")
    except OSError as error:
        raise FormcoachError(f"cannot create a recording folder in {root}: {error.strerror}") from None


@dataclass
class RecordedSpan:
    """The stream times of the first and last pose recorded."""

    first_t: float | None = None
    last_t: float = 0.0

    def add(self, t: float) -> None:
        self.first_t = t if self.first_t is None else self.first_t
        self.last_t = t

    @property
    def seconds(self) -> float:
        return 0.0 if self.first_t is None else self.last_t - self.first_t


class SessionRecorder:
    """Appends a session to ``folder`` (new or empty; made private); call ``close()`` (or
    use ``with``) at the end. If it cannot start, it leaves no files behind."""

    stage = "recording"

    def __init__(
        self, folder: Path, meta: dict[str, Any], fps: float, size: tuple[int, int], save_video: bool = True
    ) -> None:
        make_private_dir(folder, exist_ok=True)
        self.folder = folder
        self._video: _VideoWriterThread | None = None
        self._no_room: str | None = None
        self.recorded = RecordedSpan()
        try:
            write_json(meta, folder / META)
            self._poses = WholeWrites(folder / POSES)
            self._events = WholeWrites(folder / EVENTS)
            self._said = WholeWrites(folder / SAID)
            self._video = _VideoWriterThread(folder / VIDEO, fps, size) if save_video else None
        except (OSError, FormcoachError):
            self._discard()
            raise

    def _discard(self) -> None:
        """Remove what this recorder wrote, and its folder if that leaves it empty."""
        for handle in (getattr(self, "_poses", None), getattr(self, "_events", None), getattr(self, "_said", None)):
            if handle is not None:
                handle.close()
        for name in (META, POSES, EVENTS, SAID, VIDEO):
            (self.folder / name).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.folder.rmdir()

    @property
    def no_room(self) -> str | None:
        """What ran out ("disk full"…) if the recording had to stop; it records nothing more."""
        failure = self._video.failure if self._video is not None else None
        return self._no_room or (no_room(failure) if failure is not None else None)

    def _room_left(self) -> bool:
        """Whether to record on; not once a write found no room, nor with less than
        DISK_RESERVE_BYTES free."""
        if self.no_room is None and shutil.disk_usage(self.folder).free < DISK_RESERVE_BYTES:
            self._no_room = "disk full"
        return self.no_room is None

    def _append(self, file: WholeWrites, lines: list[dict[str, Any]]) -> bool:
        """Whole lines or none; False when there is no room (and nothing more is recorded)."""
        if self._no_room is not None:
            return False
        try:
            file.append("".join(json.dumps(line) + "\n" for line in lines).encode())
        except OSError as error:
            self._no_room = no_room(error)
            if self._no_room is None:
                raise
            return False
        return True

    def __call__(self, step: Step) -> None:
        if not self._room_left():
            return
        in_video = self._video.offer(step.frame.image) if self._video is not None and step.frame is not None else None
        line = pose_to_json(step.update.t, step.update.frame_index, step.raw_pose, in_video)
        if self._append(self._poses, [line]):
            self.recorded.add(step.update.t)
        if step.update.events:
            self._append(self._events, [event_to_json(event) for event in step.update.events])

    @property
    def video_count(self) -> VideoCount | None:
        """Frames in the video and frames missing from it; None without a video."""
        return None if self._video is None else self._video.count

    def record_said(self, said: Said) -> None:
        """A cue as the coach spoke and showed it: what a replay shows, exactly."""
        if self._room_left():
            self._append(self._said, [said_to_json(said)])

    def write_summary(self, summary: Summary) -> bool:
        """The summary beside the recording; False if there was no room for it."""
        return write_json_if_room(summary.to_json(), self.folder / SUMMARY)

    def close(self) -> None:
        self._poses.close()
        self._events.close()
        self._said.close()
        if self._video is not None:
            self._video.close()

    def __enter__(self) -> SessionRecorder:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def recording_meta(exercise: ExerciseDef, source: FrameSource, model_path: Path | None) -> dict[str, Any]:
    """What ``meta.json`` says of a session: the versions, the exercise file and model it was
    coached with (their hashes), and the source."""
    exercise_hash = hashlib.sha256(Path(exercise.path).read_bytes()).hexdigest() if exercise.path else ""
    return {
        "app": "formcoach",
        "app_version": __version__,
        "schema_version": RECORDING_SCHEMA,
        "started_at": datetime.now().isoformat(timespec="seconds"),
        "exercise": exercise.id,
        "exercise_files": {exercise.id: {"path": exercise.path, "sha256": exercise_hash}},
        "model_sha256": sha256_of(model_path) if model_path else "",
        "source": source.name,
        "width": source.size[0],
        "height": source.size[1],
        "fps": source.fps,
    }
