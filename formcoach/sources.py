"""Frame sources: a camera (newest frame only, so a slow consumer never builds lag) and a
video file (every frame, timestamps from the file). Both yield ``Frame``s; nothing after a
source reads the wall clock."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol, cast

# FFmpeg's own console chatter ("moov atom not found") would sit beside our one-line errors.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

import cv2

from formcoach.background import move_off_the_loop_cpus
from formcoach.errors import FormcoachError
from formcoach.types import Frame, ImageArray


class FrameSource(Protocol):
    fps: float
    size: tuple[int, int]  # width, height
    frame_count: int | None  # None for live sources
    name: str

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...


class VideoFileSource:
    """Every frame of a video file; ``t = index / fps`` as OpenCV reports the fps."""

    def __init__(self, path: Path) -> None:
        path = Path(path)
        if not path.exists():
            raise FormcoachError(f"video not found: {path}")
        if path.is_dir():
            raise FormcoachError(f"{path} is a folder, not a video file")
        if path.stat().st_size == 0:
            raise FormcoachError(f"video file is empty: {path}")
        self._capture = cv2.VideoCapture(str(path))
        ok, first = self._capture.read() if self._capture.isOpened() else (False, None)
        if not ok or first is None:
            self._capture.release()
            raise FormcoachError(f"cannot read {path} as a video (not a video, or an unsupported codec)")
        self._first: ImageArray | None = cast(ImageArray, first)
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps and fps > 0 else 30.0
        self.size = (first.shape[1], first.shape[0])
        count = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT))
        self.frame_count: int | None = count if count > 0 else None
        self.name = path.name
        self.path = path

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        while True:
            if self._first is not None:
                image, self._first = self._first, None
            else:
                ok, read = self._capture.read()
                if not ok:
                    break
                image = cast(ImageArray, read)
            yield Frame(index, index / self.fps, image)
            index += 1
        # A file whose tail is missing opens fine and simply stops: say so rather than
        # coach a session that silently ended early.
        if self.frame_count is not None and index < self.frame_count - max(2, self.frame_count // 50):
            raise FormcoachError(f"{self.name} ended at frame {index} of {self.frame_count}: the file looks truncated")

    def close(self) -> None:
        self._capture.release()

    def __enter__(self) -> VideoFileSource:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class CameraSource:
    """A webcam read on its own thread; iteration returns the newest frame only.

    Timestamps are taken when a frame is grabbed, relative to the first frame — the one
    place a clock is read, because a live camera has no other.
    """

    def __init__(self, index: int = 0, width: int = 640, height: int = 480) -> None:
        with _opencv_quiet():
            self._capture = cv2.VideoCapture(index)
        if not self._capture.isOpened():
            self._capture.release()
            raise FormcoachError(f"camera {index} did not open (no camera, or in use); try --camera N or --source FILE")
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        ok, first = self._capture.read()
        if not ok:
            self._capture.release()
            raise FormcoachError(f"camera {index} opened but gave no picture; try --source FILE")
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps and fps > 0 else 30.0
        self.size = (first.shape[1], first.shape[0])
        self.frame_count: int | None = None
        self.name = f"camera {index}"
        self._start = time.monotonic()
        self._newest: Frame | None = Frame(0, 0.0, cast(ImageArray, first))
        self._index = 0
        self._ready = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._read, name="camera-reader", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        move_off_the_loop_cpus()  # not niced: the loop waits for its frames
        while not self._stopped:
            ok, image = self._capture.read()
            if not ok:
                break
            with self._ready:
                self._index += 1
                self._newest = Frame(self._index, time.monotonic() - self._start, cast(ImageArray, image))
                self._ready.notify()
        with self._ready:
            self._stopped = True
            self._ready.notify()

    def __iter__(self) -> Iterator[Frame]:
        last = -1
        while True:
            with self._ready:
                while not self._stopped and (self._newest is None or self._newest.index == last):
                    self._ready.wait(timeout=1.0)
                frame = self._newest
                if self._stopped and (frame is None or frame.index == last):
                    return
            assert frame is not None
            last = frame.index
            yield frame

    def close(self) -> None:
        self._stopped = True
        self._thread.join(timeout=2.0)
        self._capture.release()

    def __enter__(self) -> CameraSource:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def at_filmed_speed(frames: Iterable[Frame]) -> Iterator[Frame]:
    """``frames`` no faster than they were filmed, for a video played to a person (the demo). A
    late frame (a slow computer, a pause) moves the clock on instead of rushing to catch up."""
    start = time.monotonic()
    for frame in frames:
        ahead = start + frame.t - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
        else:
            start -= ahead
        yield frame


def open_source(source: Path | None, camera: int) -> VideoFileSource | CameraSource:
    return VideoFileSource(source) if source is not None else CameraSource(camera)


@contextmanager
def _opencv_quiet() -> Iterator[None]:
    """Probing cameras makes OpenCV log an error per missing index; we report it ourselves."""
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        cv2.utils.logging.setLogLevel(level)


def list_cameras(max_index: int = 4) -> list[int]:
    found = []
    with _opencv_quiet():
        for index in range(max_index):
            capture = cv2.VideoCapture(index)
            if capture.isOpened():
                found.append(index)
            capture.release()
    return found
