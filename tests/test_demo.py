"""`formcoach demo`: the first command shows the coach working on a machine with no camera."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import run_cli
from footage import RENDERS, require

from formcoach.cli import coaching
from formcoach.cli.coaching import DEMO_CLIP, DEMO_REPS


def test_the_demo_coaches_the_projects_rendered_squats() -> None:
    assert DEMO_CLIP == RENDERS / "squat__render_A.mp4"  # footage beside the checkout, never in it


def test_without_the_footage_the_demo_says_so_in_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(coaching, "DEMO_CLIP", tmp_path / "absent.mp4")
    result = run_cli("demo", "--no-window", "--mute")
    assert result.code != 0
    (line,) = result.err.strip().splitlines()
    assert "absent.mp4" in line and "--source VIDEO" in line


@pytest.mark.slow
def test_the_demo_coaches_its_clip_headless_and_counts_its_squats(tmp_path: Path) -> None:
    require(DEMO_CLIP)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env |= {f"XDG_{kind}_HOME": str(tmp_path / kind.lower()) for kind in ("DATA", "STATE", "CONFIG")}
    result = subprocess.run(
        [sys.executable, "-m", "formcoach", "demo", "--mute"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    # No display: the demo says so once and coaches without a window.
    assert result.stderr.strip() == "no display found: running without a window (use --no-window to silence this)"
    reps = re.search(r"│ both\s+│ (\d+)\s+│", result.stdout)
    assert reps and int(reps.group(1)) == DEMO_REPS, result.stdout  # the labels: 4 good squats, 2 leaning
    # The two leaning squats are corrected, and at their times (the labels: 12.6–15.05 s and 15.5–17.95 s).
    corrections = [float(t) for t in re.findall(r"^\s+(\d+\.\d) s  trunk_lean:", result.stdout, re.M)]
    assert len(corrections) == 2, result.stdout
    assert 12.6 <= corrections[0] <= 15.05 and 15.5 <= corrections[1] <= 17.95
    assert not (tmp_path / "data" / "formcoach").exists()  # a demo is not one of the user's sessions


@pytest.mark.parametrize(
    ("cameras", "says"),
    [([1], "Camera 1 is connected: `formcoach coach squat --camera 1` coaches you."), ([], "--source VIDEO")],
)
def test_after_the_demo_the_real_thing_is_offered(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], cameras: list[int], says: str
) -> None:
    monkeypatch.setattr("formcoach.sources.list_cameras", lambda: cameras)
    coaching.offer_your_own_session(window=False, mute=True, voice=None, rate=None)  # not a terminal: no question
    assert says in capsys.readouterr().out


def test_the_demo_is_the_first_command_in_the_help() -> None:
    assert "formcoach demo" in run_cli("--help").out
