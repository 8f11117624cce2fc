"""A quiet terminal: formcoach's own lines only; the native libraries' lines go to the log."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from footage import CLIPS, require
from typer.testing import CliRunner

from formcoach import cli
from formcoach.cli import library
from formcoach.cli.library import Check

# What MediaPipe (absl/glog, LiteRT), ALSA, aplay and OpenCV print when left alone.
NATIVE_LINE = re.compile(
    r"^([IWEF]\d{4} |ALSA lib |aplay: |INFO: |WARNING: (All log messages before absl|Logging before)|"
    r"\[ WARN:|\[ERROR:|\[ INFO:|OpenCV)"
)


def run_quietly(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """``formcoach ARGS`` with no display and its log kept under ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    result = subprocess.run(
        [sys.executable, "-m", "formcoach", *args], capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path
    )
    return result, tmp_path / "state" / "formcoach" / "log" / "formcoach.log"


def native_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if NATIVE_LINE.match(line.strip())]


@pytest.mark.clips
@pytest.mark.slow
def test_a_coach_run_prints_only_its_own_lines_and_logs_the_rest(tmp_path: Path) -> None:
    clip = require(CLIPS / "glute_bridge__pfc.mp4")
    result, log = run_quietly(tmp_path, "coach", "glute_bridge", "--source", str(clip), "--no-window", "--no-record")
    assert result.returncode == 0, result.stderr
    assert native_lines(result.stdout + result.stderr) == []
    assert result.stdout.startswith("Glute bridge: Put the camera")
    # At most one line on stderr: the warning when this machine has no sound device.
    assert len(result.stderr.splitlines()) <= 1, result.stderr
    assert all(line.startswith("warning: no sound device") for line in result.stderr.splitlines()), result.stderr
    logged = log.read_text()
    assert "formcoach.feedback.speech: say at" in logged  # formcoach's own log records land there too


def test_doctor_prints_no_native_lines_and_fails_without_a_display(tmp_path: Path) -> None:
    result, log = run_quietly(tmp_path, "doctor")
    assert result.returncode == 1
    assert native_lines(result.stdout + result.stderr) == []
    assert re.search(r"\bDisplay\s+.\s+FIX\b", result.stdout), result.stdout
    fixes = re.search(r"^(\d) of 6 checks need fixing: (.*)$", result.stderr, re.MULTILINE)
    assert fixes is not None, result.stderr
    assert "Display" in fixes.group(2).split(", ")
    assert int(fixes.group(1)) == result.stdout.count("FIX")
    assert str(log) in result.stdout.replace("\n", "")


@pytest.mark.parametrize(
    ("checks", "code", "line"),
    [
        ([Check("Python", True, "3.11"), Check("Speech", True, "espeak")], 0, "everything is ready"),
        ([Check("Python", True, "3.11"), Check("Speech", False, "no sound")], 1, "1 of 2 checks need fixing: Speech"),
    ],
)
def test_doctor_exits_non_zero_exactly_when_a_row_needs_fixing(
    monkeypatch: pytest.MonkeyPatch, checks: list[Check], code: int, line: str
) -> None:
    monkeypatch.setattr(library, "doctor_checks", lambda: checks)
    result = CliRunner().invoke(cli.app, ["doctor"])
    assert result.exit_code == code
    assert line in result.output
