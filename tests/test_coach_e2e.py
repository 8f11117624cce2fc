"""The live coach end to end on shared footage: window (under Xvfb), spoken cues, setup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import wave
from pathlib import Path

import cv2
import numpy as np
import pytest
from footage import CLIPS, clip_label, require

pytestmark = [pytest.mark.clips, pytest.mark.slow]


def formcoach(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "formcoach", *args], capture_output=True, text=True, timeout=timeout)


def wav_rms(path: Path) -> float:
    with wave.open(str(path), "rb") as f:
        samples = np.frombuffer(f.readframes(f.getnframes()), dtype=np.int16).astype(np.float64)
    return float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0


@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs a display: run under Xvfb (scripts/test does)")
def test_coach_in_a_window_counts_and_speaks(tmp_path: Path) -> None:
    clip = require(CLIPS / "glute_bridge__darebee.mp4")
    summary_path, wav_dir = tmp_path / "summary.json", tmp_path / "speech"
    result = formcoach(
        "coach",
        "glute_bridge",
        "--source",
        str(clip),
        "--window",
        "--speech-wav",
        str(wav_dir),
        "--summary-json",
        str(summary_path),
        "--recordings",
        str(tmp_path / "rec"),
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(summary_path.read_text())
    assert summary["sides"]["both"]["reps"] == clip_label(CLIPS, clip.name)["reps"] == 5
    assert [r["end_s"] for r in summary["reps"]] == sorted(r["end_s"] for r in summary["reps"])
    log = [json.loads(line) for line in (wav_dir / "speech.jsonl").read_text().splitlines()]
    texts = [entry["text"] for entry in log]
    assert texts[0].startswith("Three, two, one. Glute bridges")
    counts = [t for t in texts if t in ("One", "Two", "Three", "Four", "Five")]
    assert counts == ["One", "Two", "Three", "Four", "Five"]
    for entry in log:
        assert wav_rms(wav_dir / entry["wav"]) > 100, entry  # int16 samples: clearly not silence


def feet_pushed_out(src: Path, out: Path, until_s: float, shift: float) -> None:
    """A copy of ``src`` whose first ``until_s`` seconds are moved down by ``shift`` of the
    frame height: the person's feet leave the picture at the bottom, the rest stays."""
    capture = cv2.VideoCapture(str(src))
    fps = capture.get(cv2.CAP_PROP_FPS)
    width, height = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter.fourcc(*"MJPG"), fps, (width, height))
    move = np.float32([[1, 0, 0], [0, 1, shift * height]])
    index = 0
    while True:
        ok, image = capture.read()
        if not ok:
            break
        if index / fps < until_s:
            image = cv2.warpAffine(image, move, (width, height))
        writer.write(image)
        index += 1
    writer.release()
    capture.release()


def test_feet_out_of_frame_asks_to_step_back_and_counts_nothing_meanwhile(tmp_path: Path) -> None:
    clip = require(CLIPS / "squat__wahoo.mp4")
    cut = 12.0  # seconds with the feet out of the picture
    edited = tmp_path / "feet_out.avi"
    feet_pushed_out(clip, edited, cut, shift=0.15)
    summary_path = tmp_path / "summary.json"
    result = formcoach(
        "coach",
        "squat",
        "--source",
        str(edited),
        "--no-window",
        "--mute",
        "--no-record",
        "--summary-json",
        str(summary_path),
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(summary_path.read_text())
    hints = [h["text"] for h in summary["setup_hints"] if h["t"] < cut]
    assert any(hint.startswith("Step back so I can see your") for hint in hints), hints
    assert all(rep["start_s"] >= cut for rep in summary["reps"])
    assert summary["reps"], "once the feet are back in view the squats are counted"
