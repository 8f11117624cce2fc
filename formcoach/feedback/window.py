"""The coach's window: the annotated frame, and the keys that steer the session.

Keys: space pause/resume · n next side · r restart the side · q or Esc stop and save.
During a routine's rest: n ends the rest · q or Esc stops the routine.

Drawing runs on its own thread (the pose model keeps about one core busy; the overlay uses
the other) and always draws the newest frame, skipping any it could not keep up with; the
window itself is shown and polled from the main thread, as every GUI toolkit requires.
"""

from __future__ import annotations

import threading
import time

import cv2

from formcoach.background import yield_cpu_to_the_live_loop
from formcoach.checkers.session import ExerciseSession
from formcoach.exercises.schema import ExerciseDef
from formcoach.feedback.overlay import draw_overlay, draw_rest
from formcoach.types import Frame, ImageArray, Step

WINDOW_TITLE = "formcoach — space: pause · n: next side · r: restart · q: stop"
KEY_ESC = 27
EMA = 0.1  # smoothing of the FPS figure
# No screen shows more: drawing faster (a file plays at ~90 fps) would only take CPU from
# the pose model.
MAX_DRAWS_PER_S = 30.0


class OverlayWorker:
    """Draws the overlay for the newest submitted step on a background thread."""

    def __init__(self, exercise: ExerciseDef) -> None:
        self.exercise = exercise
        self.cue_text = ""
        self.fps = 0.0
        self._pending: Step | None = None
        self._latest: ImageArray | None = None
        self._wake = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="overlay", daemon=True)
        self._thread.start()

    def submit(self, step: Step) -> None:
        with self._wake:
            self._pending = step  # a frame not yet drawn is replaced: only the newest matters
            self._wake.notify()

    def take(self) -> ImageArray | None:
        """The newest finished drawing, once (None when nothing new)."""
        with self._wake:
            image, self._latest = self._latest, None
        return image

    def _run(self) -> None:
        yield_cpu_to_the_live_loop()
        next_draw = 0.0
        while True:
            # Wall time paces the drawing only; nothing the coach decides depends on it.
            pause = next_draw - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            next_draw = time.monotonic() + 1.0 / MAX_DRAWS_PER_S
            with self._wake:
                while self._pending is None and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                step, self._pending = self._pending, None
            if step is None or step.frame is None:
                continue
            image = draw_overlay(
                step.frame.image,
                step.pose,
                step.metrics,
                step.update,
                self.exercise,
                self.cue_text,
                self.fps,
                1000 * step.latency_s,
            )
            with self._wake:
                self._latest = image

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join()


class CoachWindow:
    """A pipeline sink that shows each frame and acts on key presses."""

    stage = "overlay"

    def __init__(self, exercise: ExerciseDef, session: ExerciseSession, speech: object) -> None:
        self.session = session
        self.speech = speech
        self.quit = False
        self._last_t: float | None = None
        self._worker = OverlayWorker(exercise)
        cv2.namedWindow(WINDOW_TITLE, cv2.WINDOW_NORMAL)

    def __call__(self, step: Step) -> None:
        t = step.update.t
        if self._last_t is not None and t > self._last_t:
            rate = 1 / (t - self._last_t)
            self._worker.fps = (1 - EMA) * self._worker.fps + EMA * rate if self._worker.fps else rate
        self._last_t = t
        self._worker.cue_text = getattr(self.speech, "cue_text", "")
        self._worker.submit(step)
        image = self._worker.take()
        if image is not None:
            cv2.imshow(WINDOW_TITLE, image)
        self._handle(cv2.waitKey(1) & 0xFF, t)

    def _handle(self, key: int, t: float) -> None:
        if key in (ord("q"), KEY_ESC):
            self.quit = True
        elif key == ord("n"):
            self.session.skip_side(t)
        elif key == ord("r"):
            self.session.restart_side()
        elif key == ord(" "):
            # Paused: the frame loop waits here; speech goes on in its own thread.
            while (key := cv2.waitKey(50) & 0xFF) not in (ord(" "), ord("q"), KEY_ESC):
                pass
            if key != ord(" "):
                self.quit = True

    def close(self) -> None:
        self._worker.close()
        cv2.destroyWindow(WINDOW_TITLE)
        cv2.waitKey(1)


class RestScreen:
    """A routine's rest in the coach's window: the camera picture with the seconds left."""

    def __init__(self, next_name: str) -> None:
        self.next_name = next_name
        self.quit = False
        self.skip = False
        self._drawn_t = -1e9
        cv2.namedWindow(WINDOW_TITLE, cv2.WINDOW_NORMAL)

    def show(self, frame: Frame, seconds_left: float) -> None:
        if frame.t - self._drawn_t >= 0.99 / MAX_DRAWS_PER_S:  # 0.99: a 30 fps camera's frames all count
            cv2.imshow(WINDOW_TITLE, draw_rest(frame.image, seconds_left, self.next_name))
            self._drawn_t = frame.t
        key = cv2.waitKey(1) & 0xFF
        self.quit = key in (ord("q"), KEY_ESC)
        self.skip = key == ord("n")
