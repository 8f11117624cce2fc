"""formcoach as a real package: the wheel, installed into a fresh venv, coaches from any folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from footage import CLIPS, require

REPO = Path(__file__).resolve().parents[1]


def run(*command: str | Path, cwd: Path = REPO, env: dict[str, str] | None = None) -> str:
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)
    assert result.returncode == 0, f"{command}: {result.stdout}\n{result.stderr}"
    return result.stdout


def build_wheel(out: Path) -> Path:
    # Offline: the dev venv's setuptools, no isolated build env to download.
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", out, REPO)
    (wheel,) = out.glob("formcoach-*.whl")
    return wheel


def fresh_venv(folder: Path, wheel: Path) -> Path:
    """A venv holding only the wheel; formcoach's dependencies come from this test's venv
    through a .pth line, which adds the folder without running its .pth files (so the
    editable checkout's import hook stays out)."""
    run(sys.executable, "-m", "venv", "--without-pip", folder)
    python = folder / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    (site / "zz_formcoach_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel)
    return folder / "bin"


def test_every_package_and_the_shipped_files_are_in_the_wheel(tmp_path: Path) -> None:
    names = set(zipfile.ZipFile(build_wheel(tmp_path)).namelist())
    sources = {p.relative_to(REPO).as_posix() for p in (REPO / "formcoach").rglob("*.py")}
    assert sources - names == set()
    shipped = {
        f"formcoach/data/{folder}/{p.name}"
        for folder, pattern in (("exercises", "*.toml"), ("routines", "*.toml"), ("models", "*.task"))
        for p in (REPO / folder).glob(pattern)
    }
    assert len(shipped) >= 30 + 3 + 1
    assert shipped - names == set()
    assert "formcoach/data/models/MANIFEST.toml" in names
    assert not any(name.endswith((".mp4", ".avi")) for name in names)  # footage never ships


@pytest.mark.clips
def test_the_installed_wheel_coaches_a_clip_and_finds_its_recordings_from_another_folder(tmp_path: Path) -> None:
    clip = require(CLIPS / "glute_bridge__darebee.mp4")
    bin_dir = fresh_venv(tmp_path / "venv", build_wheel(tmp_path / "dist"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env |= {f"XDG_{kind}_HOME": str(tmp_path / kind.lower()) for kind in ("DATA", "STATE", "CONFIG")}
    where = run(bin_dir / "python", "-c", "import formcoach; print(formcoach.__file__)", cwd=elsewhere, env=env)
    assert Path(where.strip()).is_relative_to(tmp_path / "venv")  # the wheel, not the checkout
    summary_path = tmp_path / "summary.json"
    formcoach = bin_dir / "formcoach"
    command = ("coach", "glute_bridge", "--source", clip, "--no-window", "--summary-json", summary_path)
    run(formcoach, *command, cwd=elsewhere, env=env)
    assert json.loads(summary_path.read_text())["sides"]["both"]["reps"] == 5
    (session,) = (tmp_path / "data" / "formcoach" / "recordings").iterdir()  # the user's data folder
    assert (session / "summary.json").exists()
    elsewhere_again = tmp_path / "elsewhere_again"
    elsewhere_again.mkdir()
    assert session.name in run(formcoach, "sessions", "list", cwd=elsewhere_again, env=env)
    run(formcoach, "history", cwd=elsewhere_again, env=env)
    assert (session.parent / "history.html").exists()
