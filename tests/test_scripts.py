"""scripts/system-packages: what scripts/setup and scripts/test install, and how they say what they cannot."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="the scripts are bash (Windows: see the README)")


def fake_machine(tmp_path: Path, uid: int, installed: set[str], tools: tuple[str, ...]) -> dict[str, str]:
    """A PATH holding only grep, ``tools`` and stand-ins that log what they are asked to do."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "log"
    stand_ins = {
        "uname": "echo Linux",
        "id": f"echo {uid}",
        # dpkg-query -W -f='${Status}' PACKAGE: "installed" for the packages in ``installed``
        "dpkg-query": f'case " {" ".join(installed)} " in *" ${{@: -1}} "*) echo "ok installed";; *) exit 1;; esac',
        "apt-get": f'echo "apt-get $*" >> {log}; echo "debconf: delaying package configuration"',
        "broken-apt-get": '[ "$1" = update ] && exit 0; echo "E: Unable to locate package ${@: -1}"; exit 100',
        "sudo": f'echo "sudo $*" >> {log}; "$@"',
        "brew": f'echo "brew $*" >> {log}',
    }
    for name in ("uname", "id", "dpkg-query", *tools):
        script = bin_dir / name.removeprefix("broken-")
        script.write_text(f"#!{shutil.which('bash')}\n{stand_ins[name]}\n")
        script.chmod(0o755)
    for tool in ("grep", "mktemp", "tail", "rm"):
        real = shutil.which(tool)
        assert real is not None
        (bin_dir / tool).symlink_to(real)
    return {"PATH": str(bin_dir), "LOG": str(log)}


def need(env: dict[str, str], packages: str) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash")
    assert bash is not None
    command = f'. scripts/system-packages; need_packages "the demo" "{packages}" "formula"'
    return subprocess.run([bash, "-c", command], cwd=REPO, env={**os.environ, **env}, capture_output=True, text=True)


def logged(env: dict[str, str]) -> list[str]:
    log = Path(env["LOG"])
    return log.read_text().splitlines() if log.exists() else []


def test_root_installs_only_what_is_missing(tmp_path: Path) -> None:
    env = fake_machine(tmp_path, 0, {"espeak-ng", "libgl1"}, ("apt-get",))
    result = need(env, "espeak-ng libgl1 xvfb tesseract-ocr")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "installing for the demo: xvfb tesseract-ocr"  # apt's chatter kept off
    assert logged(env) == ["apt-get update -qq", "apt-get install -y -qq xvfb tesseract-ocr"]


def test_a_user_installs_through_sudo(tmp_path: Path) -> None:
    env = fake_machine(tmp_path, 1000, set(), ("apt-get", "sudo"))
    assert need(env, "espeak-ng").returncode == 0
    assert logged(env) == [
        "sudo apt-get update -qq",
        "apt-get update -qq",
        "sudo apt-get install -y -qq espeak-ng",
        "apt-get install -y -qq espeak-ng",
    ]


def test_nothing_missing_is_silent(tmp_path: Path) -> None:
    env = fake_machine(tmp_path, 1000, {"espeak-ng"}, ("apt-get",))
    result = need(env, "espeak-ng")
    assert (result.returncode, result.stdout, result.stderr, logged(env)) == (0, "", "", [])


@pytest.mark.parametrize(
    ("uid", "tools", "says"),
    [
        (
            1000,
            ("apt-get",),
            "error: the demo needs these system packages: espeak-ng (as root: apt-get install espeak-ng)",
        ),
        (
            0,
            (),
            "error: the demo needs these system packages (Debian names): espeak-ng; "
            "install them with your package manager",
        ),
    ],
    ids=["no-sudo", "no-apt"],
)
def test_what_cannot_be_installed_is_named_on_one_line(
    tmp_path: Path, uid: int, tools: tuple[str, ...], says: str
) -> None:
    env = fake_machine(tmp_path, uid, set(), tools)
    result = need(env, "espeak-ng")
    assert result.returncode == 1
    assert result.stderr.strip() == says
    assert logged(env) == []


def test_a_failed_install_shows_apt_gets_last_lines_and_stops(tmp_path: Path) -> None:
    env = fake_machine(tmp_path, 0, set(), ("broken-apt-get",))
    result = need(env, "espeak-ng")
    assert result.returncode == 1
    assert result.stderr.splitlines()[1:] == [
        "E: Unable to locate package espeak-ng",
        "error: apt-get could not install espeak-ng (its last lines above)",
    ]
