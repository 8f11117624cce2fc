"""The coach's window: the annotated frame, and the keys that steer the session.

Keys: space pause/resume · n next side · r restart the side · f full screen · q or Esc stop
and save. During a routine's rest: n ends the rest · q or Esc stops the routine.

Drawing runs on its own thread (the pose model keeps about one core busy; the overlay uses
the other) and always draws the newest frame, skipping any it could not keep up with; the
window itself is shown and polled from the main thread, as every GUI toolkit requires.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading
import time

import cv2

from formcoach.background import yield_cpu_to_the_live_loop
from formcoach.exercises.schema import ExerciseDef
from formcoach.feedback.hud import draw_paused
from formcoach.feedback.overlay import draw_overlay, draw_rest
from formcoach.feedback.state import ScreenState, ScreenTrack
from formcoach.types import Frame, ImageArray, Intent, Step

WINDOW_TITLE = "formcoach — space: pause · n: next side · r: restart · f: full screen · q: stop"
KEY_ESC, KEY_NONE = 27, 255
# No screen shows more: drawing faster (a file plays at ~90 fps) would only take CPU from
# the pose model.
MAX_DRAWS_PER_S = 30.0
SMALLEST = (1280, 720)  # the window is at least this big where the screen has room for it
SCREEN_SHARE = (0.92, 0.88)  # of the screen's width and height: room for title bar and panel


def screen_size() -> tuple[int, int] | None:
    """The screen's size in pixels (None when it cannot be asked: then ``SMALLEST`` is used)."""
    if sys.platform == "win32":
        metrics = ctypes.windll.user32.GetSystemMetrics  # type: ignore[attr-defined]
        return int(metrics(0)), int(metrics(1))
    library = ctypes.util.find_library("X11")
    if library is None:
        return None
    x11 = ctypes.CDLL(library)
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XDisplayWidth.argtypes = x11.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
    x11.XDefaultScreen.argtypes = x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = x11.XOpenDisplay(None)
    if not display:
        return None
    screen = x11.XDefaultScreen(display)
    size = int(x11.XDisplayWidth(display, screen)), int(x11.XDisplayHeight(display, screen))
    x11.XCloseDisplay(display)
    return size


def window_size(image_wh: tuple[int, int], screen_wh: tuple[int, int] | None) -> tuple[int, int]:
    """The image's shape, as large as fits the screen's share (``SMALLEST``'s room without one)."""
    room = (screen_wh[0] * SCREEN_SHARE[0], screen_wh[1] * SCREEN_SHARE[1]) if screen_wh is not None else SMALLEST
    k = min(room[0] / image_wh[0], room[1] / image_wh[1])
    return round(image_wh[0] * k), round(image_wh[1] * k)


class ScreenWindow:
    """One resizable window without OpenCV's toolbar that keeps the image's shape; opened
    the first time it shows an image, sized from that image and the screen."""

    def __init__(self, title: str) -> None:
        self.title = title
        self._opened = False
        self.shown: ImageArray | None = None

    def show(self, image: ImageArray) -> None:
        if not self._opened:
            flags = cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL
            cv2.namedWindow(self.title, flags)
            screen = screen_size()
            width, height = window_size((image.shape[1], image.shape[0]), screen)
            cv2.resizeWindow(self.title, width, height)
            if screen is not None:
                cv2.moveWindow(self.title, (screen[0] - width) // 2, (screen[1] - height) // 3)
            self._opened = True
        cv2.imshow(self.title, image)
        self.shown = image

    def key(self, delay_ms: int = 1) -> int:
        """The key pressed within ``delay_ms`` (``KEY_NONE`` if none); ``f`` is handled here."""
        key = cv2.waitKey(delay_ms) & 0xFF
        if key != ord("f") or not self._opened:
            return key
        full = cv2.getWindowProperty(self.title, cv2.WND_PROP_FULLSCREEN) == cv2.WINDOW_FULLSCREEN
        cv2.setWindowProperty(self.title, cv2.WND_PROP_FULLSCREEN, cv2.WINDOW_NORMAL if full else cv2.WINDOW_FULLSCREEN)
        return KEY_NONE

    def close(self) -> None:
        if self._opened:
            cv2.destroyWindow(self.title)
            cv2.waitKey(1)
        self._opened = False


class OverlayWorker:
    """Draws the overlay for the newest submitted step on a background thread."""

    def __init__(self, exercise: ExerciseDef) -> None:
        self.exercise = exercise
        self._pending: tuple[Step, ScreenState] | None = None
        self._latest: ImageArray | None = None
        self._wake = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="overlay", daemon=True)
        self._thread.start()

    def submit(self, step: Step, screen: ScreenState) -> None:
        with self._wake:
            self._pending = (step, screen)  # a frame not yet drawn is replaced: only the newest matters
            self._wake.notify()

    def take(self) -> ImageArray | None:
        """The newest finished drawing, once (None when nothing new)."""
        with self._wake:
            image, self._latest = self._latest, None
        return image

    def _next(self) -> tuple[Step, ScreenState] | None:
        """The newest submission, waiting for one; None once closed."""
        with self._wake:
            while self._pending is None and not self._closed:
                self._wake.wait()
            pending, self._pending = self._pending, None
            return None if self._closed else pending

    def _run(self) -> None:
        yield_cpu_to_the_live_loop()
        next_draw = 0.0
        while True:
            # Wall time paces the drawing only; nothing the coach decides depends on it.
            pause = next_draw - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            next_draw = time.monotonic() + 1.0 / MAX_DRAWS_PER_S
            pending = self._next()
            if pending is None:
                return
            step, screen = pending
            if step.frame is None:
                continue
            image = draw_overlay(step.frame.image, step, self.exercise, screen)
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

    def __init__(self, exercise: ExerciseDef, speech: object) -> None:
        self.speech = speech
        self.quit = False
        self._intents: list[Intent] = []
        self.window = ScreenWindow(WINDOW_TITLE)
        self._track = ScreenTrack(exercise)
        self._worker = OverlayWorker(exercise)

    def __call__(self, step: Step) -> None:
        # Every step goes through the track (a rep's verdict comes on one frame only), even
        # those the worker will skip.
        self._worker.submit(step, self._track(step, getattr(self.speech, "cue_text", "")))
        image = self._worker.take()
        if image is not None:
            self.window.show(image)
        self._handle(self.window.key())

    def take_intents(self) -> list[Intent]:
        """The keys' requests since the last call, for the session runner to apply."""
        intents, self._intents = self._intents, []
        return intents

    def _handle(self, key: int) -> None:
        if key in (ord("q"), KEY_ESC):
            self.quit = True
        elif key == ord("n"):
            self._intents.append(Intent.SKIP_SIDE)
        elif key == ord("r"):
            self._intents.append(Intent.RESTART_SIDE)
        elif key == ord(" "):
            self._pause()

    def _pause(self) -> None:
        """The frame loop waits here, PAUSED on screen; speech goes on in its own thread."""
        if self.window.shown is not None:
            self.window.show(draw_paused(self.window.shown))
        while (key := self.window.key(50)) not in (ord(" "), ord("q"), KEY_ESC):
            pass
        self.quit = key != ord(" ")

    def close(self) -> None:
        self._worker.close()
        self.window.close()


class RestScreen:
    """A routine's rest in the coach's window: the camera picture with the seconds left."""

    def __init__(self, next_name: str) -> None:
        self.next_name = next_name
        self.quit = False
        self.skip = False
        self._drawn_t = -1e9
        self.window = ScreenWindow(WINDOW_TITLE)

    def show(self, frame: Frame, seconds_left: float) -> None:
        if frame.t - self._drawn_t >= 0.99 / MAX_DRAWS_PER_S:  # 0.99: a 30 fps camera's frames all count
            self.window.show(draw_rest(frame.image, seconds_left, self.next_name))
            self._drawn_t = frame.t
        key = self.window.key()
        self.quit = key in (ord("q"), KEY_ESC)
        self.skip = key == ord("n")
