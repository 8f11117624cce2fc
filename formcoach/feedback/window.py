"""The coach's window: the annotated frame, and the keys that steer the session.

Keys: space pause/resume · n next side · r restart the side · q or Esc stop and save.
"""

from __future__ import annotations

import cv2

from formcoach.checkers.session import ExerciseSession
from formcoach.exercises.schema import ExerciseDef
from formcoach.feedback.overlay import draw_overlay
from formcoach.pipeline import Step

WINDOW_TITLE = "formcoach — space: pause · n: next side · r: restart · q: stop"
KEY_ESC = 27
EMA = 0.1  # smoothing of the FPS figure


class CoachWindow:
    """A pipeline sink that shows each frame and acts on key presses."""

    stage = "overlay"

    def __init__(self, exercise: ExerciseDef, session: ExerciseSession, speech: object) -> None:
        self.exercise = exercise
        self.session = session
        self.speech = speech
        self.quit = False
        self._last_t: float | None = None
        self._fps = 0.0
        cv2.namedWindow(WINDOW_TITLE, cv2.WINDOW_NORMAL)

    def __call__(self, step: Step) -> None:
        if step.frame is None:
            return
        t = step.update.t
        if self._last_t is not None and t > self._last_t:
            self._fps = (1 - EMA) * self._fps + EMA / (t - self._last_t) if self._fps else 1 / (t - self._last_t)
        self._last_t = t
        cue = getattr(self.speech, "cue_text", "")
        image = draw_overlay(
            step.frame.image, step.pose, step.metrics, step.update, self.exercise, cue, self._fps, 1000 * step.latency_s
        )
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
        cv2.destroyWindow(WINDOW_TITLE)
        cv2.waitKey(1)
