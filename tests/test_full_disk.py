"""A full disk stops a recording cleanly: one line saying what was kept, every line and frame
on disk whole, the summary if it fits, and never "recorded" over frames silently missing. An
export that does not fit is removed and said so.

Each path runs for real (a file-size limit in a subprocess; a small tmpfs where the test may
mount one) and by fault injection in process (a disk with N bytes left), so CI always runs it.
"""

from __future__ import annotations

import errno
import json
import re
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import cv2
import numpy as np
import pytest
from cli_runner import run_cli
from test_video_queue import steps, wait_for

from formcoach import files
from formcoach.recording.avi import MjpegAvi
from formcoach.recording.reader import load_recording
from formcoach.recording.writer import DISK_RESERVE_BYTES, SessionRecorder
from formcoach.summary import Summary

GOLDEN = Path(__file__).parent / "data" / "golden_bridge"
FORMCOACH = Path(sys.executable).parent / "formcoach"
STOPPED = re.compile(
    r"^(disk full|file size limit reached) — stopped; recorded (\d+\.\d) s to (\S+)"
    r" \(the video has (\d+) of (\d+) frames"
)
NOISE_SIZE = (320, 240)  # noise compresses badly: ~50 KB a frame, so a small limit is met fast


def noise_clip(path: Path, frames: int = 60, fps: float = 10.0) -> Path:
    rng = np.random.default_rng(13)
    out = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, NOISE_SIZE)
    for _ in range(frames):
        out.write(rng.integers(0, 256, (NOISE_SIZE[1], NOISE_SIZE[0], 3), np.uint8))
    out.release()
    return path


def video_frames_in(path: Path) -> int:
    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.read()[0]:
        count += 1
    capture.release()
    return count


def whole_lines(path: Path) -> list[dict[str, Any]]:
    """Every line of a JSONL file, failing on a line cut short."""
    text = path.read_text()
    assert text == "" or text.endswith("\n"), f"{path.name} ends mid-line"
    return [json.loads(line) for line in text.splitlines()]


class DiskWithRoom:
    """FileIO on a disk with ``left`` bytes free for files named ``*{only}``: writes what
    fits, then ENOSPC."""

    def __init__(self, left: int, only: str = "") -> None:
        self.left, self.only = left, only
        self.writes = 0
        real = files.FileIO
        disk = self

        class Limited(real):  # type: ignore[valid-type, misc]
            def write(self, data: Any) -> int:
                if not str(self.name).endswith(disk.only):
                    return int(super().write(data))
                disk.writes += 1
                room = min(len(data), disk.left)
                if room == 0:
                    raise OSError(errno.ENOSPC, "No space left on device")
                written = super().write(bytes(data[:room]))
                disk.left -= written
                return written

        self.file_io = Limited


@pytest.fixture
def disk(monkeypatch: pytest.MonkeyPatch) -> Iterator[DiskWithRoom]:
    room = DiskWithRoom(0)
    monkeypatch.setattr(files, "FileIO", room.file_io)
    yield room


def golden_summary() -> Summary:
    return Summary.from_json(json.loads((GOLDEN / "summary.json").read_text()))


def test_a_disk_filling_mid_line_keeps_whole_lines_and_stops_recording(tmp_path: Path, disk: DiskWithRoom) -> None:
    disk.left = 10**9
    recorder = SessionRecorder(tmp_path / "rec", {"exercise": "lunge", "fps": 30.0}, 30.0, (160, 120), False)
    frames = steps(30, (160, 120))
    for step in frames[:10]:
        recorder(step)
    disk.left = 100  # the next pose line (~1.6 KB) finds 100 bytes
    for step in frames[10:]:
        recorder(step)
    assert recorder.no_room == "disk full"
    assert recorder.write_summary(golden_summary())  # the summary is written whole elsewhere on the disk
    recorder.close()
    lines = whole_lines(tmp_path / "rec" / "poses.jsonl")
    assert [line["i"] for line in lines] == list(range(10))
    assert recorder.recorded.seconds == pytest.approx(9 / 30)
    recording = load_recording(tmp_path / "rec")
    assert len(recording.poses) == 10 and not recording.damage


def test_a_video_write_that_fails_ends_the_video_at_its_last_whole_frame(tmp_path: Path, disk: DiskWithRoom) -> None:
    disk.left, disk.only = 10**9, ".avi"
    recorder = SessionRecorder(tmp_path / "rec", {"exercise": "lunge", "fps": 30.0}, 30.0, (160, 120))
    frames = steps(60, (160, 120))
    for written, step in enumerate(frames[:20], start=2):
        recorder(step)
        # Each frame on disk before the next is queued: twenty at once would overflow the
        # writer's half-second queue on a busy machine, and dropped frames are not the point here.
        wait_for(lambda written=written: disk.writes == written)  # the header, then each frame
    disk.left = 0
    for step in frames[20:]:
        recorder(step)
        wait_for(lambda: recorder.no_room is not None)
    assert recorder.no_room == "disk full"
    assert recorder.write_summary(golden_summary())
    recorder.close()
    count = recorder.video_count
    assert count is not None
    assert video_frames_in(tmp_path / "rec" / "video.avi") == count.frames >= 20
    assert count.frames + count.dropped == len(whole_lines(tmp_path / "rec" / "poses.jsonl"))


def check_stopped_run(out: str, code: int, reason: str) -> Path:
    """The run exited 2 with one line saying what ran out and what it kept, all of it true:
    the video holds the frames it says, every pose line is whole, the summary is there."""
    assert code == 2, out
    stopped = [line for line in out.splitlines() if STOPPED.match(line)]
    assert len(stopped) == 1, out
    assert "recorded to" not in out and "Traceback" not in out
    found = STOPPED.match(stopped[0])
    assert found is not None and found[1] == reason
    folder = Path(found[3])
    in_video, offered = int(found[4]), int(found[5])
    assert video_frames_in(folder / "video.avi") == in_video > 0
    poses = whole_lines(folder / "poses.jsonl")
    assert len(poses) == offered
    assert float(found[2]) == pytest.approx(poses[-1]["t"] - poses[0]["t"], abs=0.05)
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["video"]["frames"] == in_video
    assert not load_recording(folder).damage
    return folder


def test_coach_stops_with_one_line_when_the_disk_runs_low(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clip = noise_clip(tmp_path / "noise.avi")
    free = iter([10**9] * 12)

    def usage(_: Path) -> SimpleNamespace:
        return SimpleNamespace(free=next(free, DISK_RESERVE_BYTES - 1))

    monkeypatch.setattr(shutil, "disk_usage", usage)
    rec = tmp_path / "rec"
    result = run_cli("coach", "glute_bridge", "--source", str(clip), "--no-window", "--mute", "--recordings", str(rec))
    folder = check_stopped_run(result.out, result.code, "disk full")
    assert len(whole_lines(folder / "poses.jsonl")) == 11  # the 12th check found the disk low


def test_a_routine_stops_with_one_line_when_the_disk_runs_low(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clip = noise_clip(tmp_path / "noise.avi")
    free = iter([10**9] * 12)
    monkeypatch.setattr(shutil, "disk_usage", lambda _: SimpleNamespace(free=next(free, DISK_RESERVE_BYTES - 1)))
    rec = tmp_path / "rec"
    result = run_cli("routine", "daily_hips", "--source", str(clip), "--no-window", "--mute", "--recordings", str(rec))
    assert result.code == 2, result.out
    stopped = [found for line in result.out.splitlines() if (found := STOPPED.match(line))]
    assert len(stopped) == 1 and stopped[0][1] == "disk full", result.out
    assert "Traceback" not in result.out and "Not started: Glute bridge" in result.out
    routine = Path(stopped[0][3])
    assert (routine / "routine.json").exists()
    (exercise,) = [folder for folder in routine.iterdir() if folder.is_dir()]  # the one begun
    assert len(whole_lines(exercise / "poses.jsonl")) == 11 == video_frames_in(exercise / "video.avi")
    assert int(stopped[0][4]) == int(stopped[0][5]) == 11
    assert (exercise / "summary.json").exists() and not load_recording(exercise).damage


def _file_size_limit(limit: int) -> Any:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_coach_under_a_real_file_size_limit_stops_with_one_line(tmp_path: Path) -> None:
    clip = noise_clip(tmp_path / "noise.avi")
    command = [str(FORMCOACH), "coach", "glute_bridge", "--source", str(clip), "--no-window", "--mute"]
    done = subprocess.run(
        [*command, "--recordings", str(tmp_path / "rec")],
        preexec_fn=_file_size_limit(500_000),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.stderr == ""
    folder = check_stopped_run(done.stdout, done.returncode, "file size limit reached")
    assert (folder / "video.avi").stat().st_size <= 500_000


def _tmpfs_runner(tmp_path: Path) -> list[str]:
    """A command prefix running its script with a private 3 MB tmpfs mounted at its first
    argument (a mount namespace of its own: nothing is left mounted); skips where the test
    may not mount."""
    prefix = ["unshare", "--mount", "--propagation", "private"]
    if shutil.which("unshare") is None:
        pytest.skip("a real small disk needs unshare(1); the fault-injection tests cover the path")
    probe = tmp_path / "probe"
    probe.mkdir()
    for user in ([], ["--map-root-user"]):
        tried = subprocess.run(
            [*prefix, *user, "sh", "-c", 'mount -t tmpfs -o size=3m tmpfs "$1"', "sh", str(probe)],
            capture_output=True,
        )
        if tried.returncode == 0:
            return [*prefix, *user]
    pytest.skip("this test may not mount a tmpfs (no root, no user namespaces); the fault-injection tests cover it")


def test_coach_on_a_real_full_disk_stops_with_one_line(tmp_path: Path) -> None:
    runner = _tmpfs_runner(tmp_path)
    clip = noise_clip(tmp_path / "noise.avi", frames=150)
    disk, kept = tmp_path / "disk", tmp_path / "kept"
    disk.mkdir()
    script = (
        'mount -t tmpfs -o size=3m tmpfs "$1" && "$2" coach glute_bridge --source "$3" --no-window --mute'
        ' --recordings "$1/rec"; code=$?; cp -a "$1/rec" "$4"; exit $code'
    )
    done = subprocess.run(
        [*runner, "sh", "-c", script, "sh", str(disk), str(FORMCOACH), str(clip), str(kept)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.stderr == ""
    out = done.stdout.replace(str(disk / "rec"), str(kept))  # the disk is gone with its namespace
    check_stopped_run(out, done.returncode, "disk full")


def golden_with_video(rec: Path, frames: int | None = None) -> Path:
    """The golden recording with a video of noise (``frames`` of them; one per pose if None)."""
    folder = rec / "golden"
    shutil.copytree(GOLDEN, folder)
    count = len(whole_lines(folder / "poses.jsonl")) if frames is None else frames
    video = MjpegAvi(folder / "video.avi", 30.0, NOISE_SIZE)
    rng = np.random.default_rng(13)
    for _ in range(count):
        video.write(rng.integers(0, 256, (NOISE_SIZE[1], NOISE_SIZE[0], 3), np.uint8))
    video.close()
    return folder


def check_export_failed(code: int, out: str, err: str, says: str, exported: Path) -> None:
    assert code == 2 and "frames →" not in out
    assert err.startswith("error: ") and says in err and len(err.strip().splitlines()) == 1, err
    assert not exported.exists()


def test_export_of_an_empty_video_fails_with_one_line(tmp_path: Path) -> None:
    folder = golden_with_video(tmp_path / "rec", frames=0)
    exported = tmp_path / "out.mp4"
    result = run_cli("replay", str(folder), "--export", str(exported))
    check_export_failed(result.code, result.out, result.err, "golden has no video frames to export", exported)


def test_export_that_runs_the_disk_low_is_removed_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from formcoach import replay

    folder = golden_with_video(tmp_path / "rec")
    free = iter([10**9] * 50)

    def usage(_: Path) -> SimpleNamespace:
        return SimpleNamespace(free=next(free, replay.EXPORT_RESERVE_BYTES - 1))

    monkeypatch.setattr(shutil, "disk_usage", usage)
    exported = tmp_path / "out.mp4"
    result = run_cli("replay", str(folder), "--export", str(exported))
    check_export_failed(result.code, result.out, result.err, "disk full: stopped writing", exported)
    assert "after 50 frames" in result.err


def test_export_under_a_real_file_size_limit_is_removed_with_one_line(tmp_path: Path) -> None:
    folder = golden_with_video(tmp_path / "rec")
    exported = tmp_path / "out.mp4"
    done = subprocess.run(
        [str(FORMCOACH), "replay", str(folder), "--export", str(exported)],
        preexec_fn=_file_size_limit(200_000),
        capture_output=True,
        text=True,
        timeout=300,
    )
    check_export_failed(done.returncode, done.stdout, done.stderr, "the file came out incomplete", exported)
    assert re.search(r"held \d+ of 232 frames", done.stderr)
