"""Bad input gets one clear line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from footage import CLIPS, require

from formcoach.places import EXERCISES_DIR


def formcoach(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "formcoach", *args], capture_output=True, text=True, timeout=120)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_missing_video(tmp_path: Path) -> None:
    assert_one_line_error(formcoach("angles", "--source", str(tmp_path / "nope.mp4")), "video not found", "nope.mp4")


def test_empty_video(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    assert_one_line_error(formcoach("angles", "--source", str(empty)), "empty", "empty.mp4")


def test_not_a_video(tmp_path: Path) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("these are not frames\n" * 100)
    assert_one_line_error(formcoach("angles", "--source", str(text)), "cannot read", "notes.mp4")


def test_truncated_video(tmp_path: Path) -> None:
    whole = require(CLIPS / "squat__aitrainer.mp4").read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole[: len(whole) // 3])
    result = formcoach("angles", "--source", str(cut), "--csv", str(tmp_path / "out.csv"))
    assert_one_line_error(result, "truncated", "cut.mp4")
    # What was measured before the cut is kept.
    assert len((tmp_path / "out.csv").read_text().splitlines()) > 10


def test_corrupt_model_names_the_file_and_the_fix(tmp_path: Path) -> None:
    bad = tmp_path / "broken.task"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    assert_one_line_error(formcoach("angles", "--source", "x.mp4", "--model", str(bad)), "broken.task")


@pytest.mark.parametrize("name", ["unknown_model", "lite"])
def test_model_that_is_not_there(name: str) -> None:
    result = formcoach("angles", "--source", "x.mp4", "--model", name)
    assert_one_line_error(result, name)


def test_unknown_measurement() -> None:
    assert_one_line_error(formcoach("angles", "--source", "x.mp4", "--measure", "elbow_wiggle"), "elbow_wiggle")


def test_camera_that_does_not_open_suggests_a_file() -> None:
    result = formcoach("coach", "glute_bridge", "--camera", "9", "--no-window", "--no-record")
    assert_one_line_error(result, "camera 9 did not open", "--source FILE")


def test_unknown_exercise_lists_the_known_ones() -> None:
    assert_one_line_error(formcoach("coach", "moonwalk", "--no-window"), "unknown exercise 'moonwalk'", "glute_bridge")


def test_malformed_exercise_file_names_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "wobble.toml"
    bad.write_text(
        'schema_version = 1\nid = "wobble"\nname = "W"\nsource = ["x"]\nkind = "hold"\nview = "side"\n'
        'placement = "p"\n[hold]\nmin_s = 30\nmax_s = 10\n[cues]\nstart = "s"\ndone = "d"\n'
    )
    result = formcoach("exercises", "validate", str(bad))
    assert result.returncode == 1
    assert "wobble.toml: hold.max_s: 10 is below min_s 30" in result.stderr


def test_validate_reports_every_problem_in_every_file(tmp_path: Path) -> None:
    shipped = EXERCISES_DIR / "glute_bridge.toml"
    three = tmp_path / "glute_bridge.toml"  # an unknown key, an impossible value, an unknown measurement
    three.write_text(
        "colour = 1\n"
        + shipped.read_text(encoding="utf-8")
        .replace("target = 12", "target = -12", 1)
        .replace('metric = "knee_flexion"', 'metric = "nonsense"', 1),
        encoding="utf-8",
    )
    one = tmp_path / "lunge.toml"
    one.write_text("extra = 1\n" + (EXERCISES_DIR / "lunge.toml").read_text(encoding="utf-8"), encoding="utf-8")
    result = formcoach("exercises", "validate", str(three), str(one), str(shipped))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    bad = [line.removeprefix("bad ").split(": ")[:3] for line in result.stderr.splitlines() if line.startswith("bad ")]
    assert bad == [
        [str(three), "reps.target", "must be > 0, got -12.0"],
        [str(three), "setup.require[0].metric", "unknown measurement 'nonsense' (`formcoach measurements` lists them)"],
        [str(three), "colour", "unknown key (check the spelling; see `formcoach exercises --help`)"],
        [str(one), "extra", "unknown key (check the spelling; see `formcoach exercises --help`)"],
    ], result.stderr
    assert f"ok  {shipped}" in result.stdout
    assert "4 problems in 2 of 3 files" in result.stderr
