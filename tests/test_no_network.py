"""No socket leaves the machine at run time: real runs of coach, replay and eval under
strace (inside a network namespace with no interfaces where `unshare -rn` works, so nothing
is sent even when this test fails), failing on any connect or send to a non-local-socket
address, DNS included."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from footage import CLIPS, require

from formcoach.recording.reader import find_recordings

pytestmark = [pytest.mark.clips, pytest.mark.slow]

CLIP = "glute_bridge__pfc.mp4"  # 177 frames: the shortest labelled clip coached as an exercise
# A syscall naming an address: connect(fd, {sa_family=AF_INET, …}) or sendto/sendmsg with one.
_ADDRESSED = re.compile(r"\b(connect|sendto|sendmsg|sendmmsg)\(.*sa_family=(AF_\w+)")


def _isolation() -> list[str]:
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed: cannot watch the run's network system calls")
    if shutil.which("unshare") and subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0:
        return ["unshare", "-rn", strace]
    return [strace]


def traced(tmp_path: Path, command: list[str]) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run ``command`` under strace: its result, and every system call it made that addressed
    anything but a local (AF_UNIX) socket."""
    trace = tmp_path / "strace.txt"
    watch = [*_isolation(), "-f", "-qq", "-e", "trace=connect,sendto,sendmsg,sendmmsg", "-o", str(trace)]
    result = subprocess.run([*watch, *command], capture_output=True, text=True, timeout=600)
    lines = trace.read_text().splitlines()
    return result, [line for line in lines if (m := _ADDRESSED.search(line)) and m.group(2) != "AF_UNIX"]


def network_calls(tmp_path: Path, *args: str) -> list[str]:
    """The network system calls of ``formcoach ARGS`` (which must succeed)."""
    result, calls = traced(tmp_path, [sys.executable, "-m", "formcoach", *args])
    assert result.returncode == 0, result.stderr
    return calls


def test_coach_and_replay_open_no_network_socket(tmp_path: Path) -> None:
    clip = require(CLIPS / CLIP)
    recordings = tmp_path / "recordings"
    coach = ["coach", "glute_bridge", "--source", str(clip), "--no-window", "--mute", "--recordings", str(recordings)]
    assert network_calls(tmp_path, *coach) == []
    [folder] = find_recordings(recordings)
    # The real run's recording is private too (the unit tests build theirs in process).
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o600}
    assert network_calls(tmp_path, "replay", str(folder), "--csv", str(tmp_path / "angles.csv")) == []


def test_eval_opens_no_network_socket(tmp_path: Path) -> None:
    clip = require(CLIPS / CLIP)
    with (CLIPS / "labels.toml").open("rb") as f:
        [entry] = [c for c in tomllib.load(f)["clip"] if c["file"] == CLIP]
    (tmp_path / CLIP).symlink_to(clip)
    lines = ["[[clip]]"] + [f"{key} = {_toml(value)}" for key, value in entry.items()]
    labels = tmp_path / "labels.toml"
    labels.write_text("\n".join(lines) + "\n")
    assert network_calls(tmp_path, "eval", str(labels), "--workers", "1") == []


def _toml(value: object) -> str:
    """A TOML literal for the plain values a clip label holds."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


def test_the_probe_sees_a_dns_query(tmp_path: Path) -> None:
    """The probe itself can fail: a DNS lookup in a child process is caught."""
    lookup = "import socket\ntry:\n    socket.getaddrinfo('play.googleapis.com', 443)\nexcept OSError:\n    pass\n"
    _, calls = traced(tmp_path, [sys.executable, "-c", lookup])
    assert any("htons(53)" in call for call in calls), calls


PROXIES = ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY")
_ENVIRONMENT_AROUND_A_LANDMARKER = """
import json, os, sys
from formcoach.pose.mediapipe_estimator import MediaPipePoseEstimator
from formcoach.pose.models import resolve_model
seen = lambda: {name: os.environ.get(name) for name in sys.argv[1:]}
stages = {"imported": seen()}
estimator = MediaPipePoseEstimator(resolve_model("full"))
stages["made"] = seen()
estimator.close()
stages["closed"] = seen()
print(json.dumps(stages))
"""


def test_the_offline_proxy_lasts_only_while_the_landmarker_is_made_and_closed() -> None:
    """The rest of the process (a `models download`, the user's own proxy) keeps its settings:
    before, importing the estimator set an unusable proxy for the whole process, and
    test_models had to clear it."""
    users = {"HTTPS_PROXY": "http://proxy.example:3128", "NO_PROXY": "localhost"}
    environment = {name: value for name, value in os.environ.items() if name not in PROXIES} | users
    done = subprocess.run(
        [sys.executable, "-c", _ENVIRONMENT_AROUND_A_LANDMARKER, *PROXIES],
        env=environment,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    stages = json.loads(done.stdout.splitlines()[-1])
    expected = {name: users.get(name) for name in PROXIES}
    assert stages == {"imported": expected, "made": expected, "closed": expected}
