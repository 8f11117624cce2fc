"""Looking back at a recording: the player's keys, angle export, and the sessions commands.
Uses the golden recording (no model, no footage) plus a short recorded video where needed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcoach import replay
from formcoach.exercises.loader import find_exercise
from formcoach.feedback.overlay import DRAW_HEIGHT
from formcoach.recording.reader import load_recording
from formcoach.types import EventKind

DATA = Path(__file__).parent / "data"


@pytest.fixture()
def golden(tmp_path: Path) -> Path:
    folder = tmp_path / "recordings" / "2026-11-01_101500_glute_bridge"
    shutil.copytree(DATA / "golden_bridge", folder)
    return folder


def with_blank_video(folder: Path) -> None:
    """Give the golden recording a video (one plain frame per pose) so it can be played."""
    recording = load_recording(folder)
    width, height = recording.meta["width"] // 4, recording.meta["height"] // 4
    writer = cv2.VideoWriter(str(folder / "video.avi"), cv2.VideoWriter.fourcc(*"MJPG"), 24.0, (width, height))
    for i in range(len(recording.poses)):
        writer.write(np.full((height, width, 3), i % 255, dtype=np.uint8))
    writer.release()


def test_angle_export_csv_and_mot(golden: Path, tmp_path: Path) -> None:
    recording = load_recording(golden)
    exercise = find_exercise("glute_bridge", DATA / "exercises")
    names, rows = replay.measurement_series(recording, exercise, with_rules=True)
    replay.write_csv(names, rows, tmp_path / "a.csv")
    csv_lines = (tmp_path / "a.csv").read_text().splitlines()
    header = csv_lines[0].split(",")
    assert header[:2] == ["t", "knee_hip_shoulder"] and header[-1] == "rule:bridge_line"
    assert len(csv_lines) == len(recording.poses) + 1
    verdicts = [line.split(",")[-1] for line in csv_lines[1:]]
    # An end-phase rule is judged once per rep, on the frame the rep ends: kept on each of
    # the recording's good reps, not judged on any other frame.
    reps = sum(1 for event in recording.events if event.kind is EventKind.REP_DONE)
    assert reps >= 3
    assert verdicts.count("1.0000") == reps and verdicts.count("nan") == len(verdicts) - reps
    names, rows = replay.measurement_series(recording, exercise)
    replay.write_mot(names, rows, tmp_path / "a.mot", "bridge")
    mot = (tmp_path / "a.mot").read_text().splitlines()
    assert mot[:6] == [
        "bridge",
        "version=1",
        f"nRows={len(rows)}",
        f"nColumns={len(names) + 1}",
        "inDegrees=yes",
        "endheader",
    ]
    assert mot[6].split("\t")[0] == "time" and len(mot) == 7 + len(rows)
    peak = max(float(line.split("\t")[1]) for line in mot[7:] if line.split("\t")[1] != "nan")
    assert 170 < peak <= 180  # the bridge tops out near a straight line


@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs a display: run under Xvfb (scripts/test does)")
def test_player_keys_pause_step_seek_speed_quit(golden: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with_blank_video(golden)
    recording = load_recording(golden)
    player = replay.Player(recording, find_exercise("glute_bridge", DATA / "exercises"))
    keys = iter([ord(k) for k in " ..,]][+-"] + [-1] * 5 + [ord("q"), -1])  # -1: the closing window's events
    shown: list[tuple[int, int]] = []
    monkeypatch.setattr(cv2, "waitKey", lambda _delay: next(keys))
    real_imshow = cv2.imshow
    monkeypatch.setattr(cv2, "imshow", lambda title, image: (shown.append(image.shape[:2]), real_imshow(title, image)))
    player.play()
    assert len(shown) == 15  # one frame shown per key read, up to the q that quits
    # The video drawn at the screen's 720 lines (whatever the recorded size), plus the timeline bar.
    width = round(recording.meta["width"] * DRAW_HEIGHT / recording.meta["height"])
    assert shown[0] == (DRAW_HEIGHT + replay.TIMELINE_H, width)


def formcoach(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "formcoach", *args], capture_output=True, text=True, timeout=120)


def test_sessions_list_show_pain_delete(golden: Path) -> None:
    root = str(golden.parent)
    listed = formcoach("sessions", "list", "--recordings", root)
    assert listed.returncode == 0 and golden.name in listed.stdout and "glute_bridge" in listed.stdout
    shown = formcoach("sessions", "show", golden.name, "--recordings", root)
    assert shown.returncode == 0 and "232 frames" in shown.stdout
    assert (
        formcoach("sessions", "pain", golden.name, "--before", "4", "--after", "3", "--recordings", root).returncode
        == 0
    )
    assert (golden / "pain.json").exists()
    bad = formcoach("sessions", "pain", golden.name, "--before", "11", "--recordings", root)
    assert bad.returncode != 0
    deleted = formcoach("sessions", "delete", golden.name, "--yes", "--recordings", root)
    assert deleted.returncode == 0 and not golden.exists()
    missing = formcoach("sessions", "show", golden.name, "--recordings", root)
    assert missing.returncode == 2 and "no recording" in missing.stderr


def test_replay_command_writes_rules_to_csv_and_only_angles_to_mot(golden: Path, tmp_path: Path) -> None:
    csv_out, mot_out = tmp_path / "s.csv", tmp_path / "s.mot"
    result = subprocess.run(
        [sys.executable, "-m", "formcoach", "replay", str(golden), "--csv", str(csv_out), "--mot", str(mot_out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    csv_header = csv_out.read_text().splitlines()[0].split(",")
    mot = mot_out.read_text().splitlines()
    mot_header = mot[6].split("\t")
    assert [name for name in csv_header if name.startswith("rule:")] == ["rule:bridge_line"]
    assert mot_header == ["time", *(name for name in csv_header[1:] if not name.startswith("rule:"))]
    assert mot[3] == f"nColumns={len(mot_header)}"
    assert all(len(line.split("\t")) == len(mot_header) for line in mot[7:])


def test_a_routines_folder_works_where_a_session_folder_does(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from formcoach.cli import app

    routine = tmp_path / "recordings" / "2026-11-02_180000_daily_hips"
    for n in (1, 2):
        shutil.copytree(DATA / "golden_bridge", routine / f"2026-11-02_18000{n}_glute_bridge")
    (routine / "routine.json").write_text(
        '{"routine": "daily_hips", "name": "Daily hips", "exercises": [], "completed": false,'
        ' "done": ["Glute bridge"], "unfinished": ["Glute bridge"], "not_started": ["Lunge"]}'
    )
    runner = CliRunner()
    shown = runner.invoke(app, ["sessions", "show", str(routine)])
    assert shown.exit_code == 0, shown.output
    assert "Daily hips stopped. Done: Glute bridge. Not finished: Glute bridge. Not started: Lunge." in shown.output
    assert shown.output.count("glute_bridge from glute_bridge__darebee.mp4") == 2
    reported = runner.invoke(app, ["report", routine.name, "--recordings", str(routine.parent)])
    assert reported.exit_code == 0, reported.output
    assert sorted(p.parent.name for p in routine.rglob("report.html")) == [
        "2026-11-02_180001_glute_bridge",
        "2026-11-02_180002_glute_bridge",
    ]
    assert runner.invoke(app, ["sessions", "pain", str(routine), "--before", "3"]).exit_code == 0
    assert json.loads((routine / "pain.json").read_text())["before"] == 3
    replayed = runner.invoke(app, ["replay", str(routine), "--csv", str(tmp_path / "out.csv")])
    assert replayed.exit_code != 0
    assert "is a routine's folder: choose one of its exercises" in str(replayed.exception)
