"""Regenerate tests/data/golden_bridge: a recording made by formcoach itself (landmarks and
events, no video) of a labelled bridge clip, coached with the frozen fixture exercise.

    .venv/bin/python tests/data/make_golden.py

Run it only when a change to smoothing, measurements or the checker is *meant* to change
what the coach does; the golden test then pins the new behaviour.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from formcoach.coach import CoachOptions, SpeechOptions, coach_session
from formcoach.exercises.loader import find_exercise
from formcoach.pose.mediapipe_estimator import MediaPipePoseEstimator
from formcoach.pose.models import resolve_model
from formcoach.sources import VideoFileSource

HERE = Path(__file__).resolve().parent
CLIP = HERE.parents[2] / "shared" / "clips" / "glute_bridge__darebee.mp4"
GOLDEN = HERE / "golden_bridge"


def main() -> None:
    exercise = find_exercise("glute_bridge", HERE / "exercises")
    with tempfile.TemporaryDirectory() as tmp:
        options = CoachOptions(speech=SpeechOptions(mute=True), record_dir=Path(tmp), save_video=False)
        model = resolve_model("full")
        with VideoFileSource(CLIP) as source, MediaPipePoseEstimator(model) as estimator:
            result = coach_session(exercise, source, estimator, options, model)
        assert result.recording is not None
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(result.recording, GOLDEN)
    print(f"wrote {GOLDEN}: {result.frames} frames, {result.summary.total_reps} reps")


if __name__ == "__main__":
    main()
