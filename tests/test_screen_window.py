"""The live screen in a real window: opened at a useful size, and read from three metres.

The reader 3 m away is stood in for by OCR of a screenshot scaled to a third of its size
(about what a 27-inch screen filled by the window subtends at 3 m against 1 m)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from footage import CLIPS, require

from formcoach.checkers.session import ExerciseSession
from formcoach.exercises.loader import find_exercise
from formcoach.feedback.cue_policy import CuePolicy
from formcoach.feedback.speech import SpeechSink, SpeechWorker
from formcoach.feedback.window import SMALLEST, WINDOW_TITLE, CoachWindow, screen_size, window_size
from formcoach.pipeline import Analyzer, run
from formcoach.pose.mediapipe_estimator import MediaPipePoseEstimator
from formcoach.pose.models import resolve_model
from formcoach.sources import VideoFileSource
from formcoach.types import ImageArray, Step

SCREENS = Path(os.environ.get("FORMCOACH_SCREENSHOTS", "")) if os.environ.get("FORMCOACH_SCREENSHOTS") else None


@pytest.mark.parametrize(
    ("image_wh", "screen_wh", "expected"),
    [
        ((1280, 720), (1920, 1080), (1690, 950)),  # 88 % of the height, the frame's shape
        ((1280, 720), None, SMALLEST),  # no screen to ask: 1280×720
        ((960, 720), (1366, 768), (901, 676)),  # a small laptop: as large as fits
        ((405, 720), (1920, 1080), (535, 950)),  # a portrait clip keeps its shape
    ],
)
def test_the_window_is_as_large_as_the_screen_allows_in_the_frames_shape(
    image_wh: tuple[int, int], screen_wh: tuple[int, int] | None, expected: tuple[int, int]
) -> None:
    assert window_size(image_wh, screen_wh) == expected


def ocr(image: ImageArray) -> str:
    """What tesseract reads in ``image`` (sparse text: labels anywhere on the screen). The
    screen's light-on-dark text is handed over inverted, as the dark-on-light print tesseract
    is trained on: no detail is added or removed."""
    ok, png = cv2.imencode(".png", 255 - cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
    assert ok
    result = subprocess.run(
        ["tesseract", "stdin", "stdout", "--psm", "11"], input=png.tobytes(), capture_output=True, timeout=60
    )
    return result.stdout.decode()


def painted(window: CoachWindow, step: Step, patience_s: float = 10.0) -> ImageArray:
    """The window once it shows ``step``'s drawing: the drawing is made on its own thread, and
    on a busy machine the X server paints it a while later, so look again until the screen
    has something on it (at most ``patience_s``)."""
    deadline = time.monotonic() + patience_s
    while True:
        cv2.waitKey(300)
        window(step)
        cv2.waitKey(300)
        shot = grab(WINDOW_TITLE)
        if float(shot.std()) > 20.0 or time.monotonic() > deadline:  # a blank window is one flat colour
            return shot


def at_a_third(shot: ImageArray) -> ImageArray:
    """The screen as a reader 3 m away sees it: a third of its size."""
    height, width = shot.shape[:2]
    return cv2.resize(shot, (width // 3, height // 3), interpolation=cv2.INTER_AREA)


def grab(title: str) -> ImageArray:
    """A screenshot of the window's picture, as the X server shows it."""
    from PIL import ImageGrab

    x, y, width, height = cv2.getWindowImageRect(title)
    shot = ImageGrab.grab(bbox=(x, y, x + width, y + height), xdisplay=os.environ["DISPLAY"])
    return np.asarray(shot.convert("RGB"), dtype=np.uint8)[:, :, ::-1].copy()


@pytest.mark.clips
@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs a display: run under Xvfb (scripts/test does)")
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed (apt-get install tesseract-ocr)")
def test_the_coach_window_reads_from_three_metres() -> None:
    clip = require(CLIPS / "glute_bridge__darebee.mp4")
    exercise = find_exercise("glute_bridge")
    session = ExerciseSession(exercise)
    speech = SpeechSink(SpeechWorker(mute=True), CuePolicy(cooldown_s=exercise.cues.cooldown_s))
    window = CoachWindow(exercise, speech)
    shot: ImageArray | None = None
    reps, cue = 0, ""
    try:
        with VideoFileSource(clip) as source, MediaPipePoseEstimator(resolve_model("full")) as estimator:
            for step in run(source, estimator, Analyzer(session), [speech, window]):
                # Two reps in, while the count's cue ("Two") is on screen and the drawing caught up.
                if step.update.rep_count == 2 and speech.cue_text and shot is None:
                    shot, reps, cue = painted(window, step), step.update.rep_count, speech.cue_text
                    # On a busy machine the X server may not have painted all of it yet: look
                    # again a few times (what is tested is the reading, not the paint's timing).
                    for _ in range(3):
                        if f"{reps}/12" in ocr(at_a_third(shot)).replace(" ", ""):
                            break
                        shot = painted(window, step)
                    break
        assert shot is not None, "the clip never reached two reps with a cue on screen"
        screen = screen_size()
        assert screen == (1920, 1080), "run under xvfb-run -s '-screen 0 1920x1080x24'"
        height, width = shot.shape[:2]
        assert width >= 1280 and height >= 720, (width, height)
    finally:
        window.close()
        speech.worker.close()
    if SCREENS is not None:
        cv2.imwrite(str(SCREENS / "coach.png"), shot)
    third = at_a_third(shot)
    text = ocr(third)
    assert f"{reps}/12" in text.replace(" ", ""), text
    # The cue band, as the eye finds it along the bottom (tesseract's page layout drops a lone
    # short word such as "Two" from the whole screen).
    band = ocr(third[round(0.85 * third.shape[0]) :])
    words = re.findall(r"[A-Za-z]+", cue)
    assert words and all(w.lower() in band.lower() for w in words), (cue, band)
