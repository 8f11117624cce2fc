"""Every kind of bad input a user can give, walked across the commands that take it, in
process: exit code 2, exactly one line saying what is wrong (on stderr, nothing on stdout),
no traceback, and nothing left behind (no session folder, no output, no temporary file)."""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
from cli_runner import run_cli

from formcoach.exercises import routines

GOLDEN = Path(__file__).parent / "data" / "golden_bridge"
LONG = "a" * 300
EXERCISE = (Path(__file__).parent / "data" / "exercises" / "couch_stretch.toml").read_text()


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]  # {w} is the workspace folder, {rec} its recordings folder
    says: str  # a fragment the one error line holds
    code: int = 2
    prefix: str = "error: "  # `exercises validate` reports each file as "bad …" and exits 1


def _broken_bundle(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("pose_detector.tflite", b"not a model")
        bundle.writestr("pose_landmarks_detector.tflite", b"not a model")


def _clip(path: Path) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10.0, (64, 48))
    for _ in range(5):
        writer.write(np.full((48, 64, 3), 90, np.uint8))
    writer.release()


def _recording(rec: Path, name: str, **files: bytes) -> None:
    folder = rec / name
    shutil.copytree(GOLDEN, folder)
    for file, content in files.items():
        (folder / file.replace("_", ".")).write_bytes(content)


def _exercise(w: Path, name: str, old: str, new: str) -> None:
    """The couch stretch with one value changed, in ``w/name/`` (its id must match its file name)."""
    assert old in EXERCISE
    (w / name).mkdir()
    (w / name / "couch_stretch.toml").write_text(EXERCISE.replace(old, new))


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Files every case may point at; the recordings folder holds golden copies, damaged ones
    and a link out."""
    w = tmp_path
    rec = w / "recordings"
    rec.mkdir()
    (w / "folder").mkdir()
    (w / "folder.task").mkdir()
    (w / "folder.toml").mkdir()
    (w / "file.txt").write_text("a file\n")
    (w / "notes.mp4").write_text("not frames\n" * 50)
    (w / "notazip.task").write_bytes(b"PK not really a zip")
    _broken_bundle(w / "broken.task")
    _clip(w / "clip.avi")
    (w / "latin1.toml").write_bytes(b'schema_version = 1\nname = "caf\xe9"\n')
    _exercise(w, "nan_milestone", "milestones_left_s = [30, 10]", "milestones_left_s = [nan]")
    _exercise(w, "huge_hold", "min_s = 60", "min_s = 1e308")
    _exercise(w, "huge_target", "target = 90", "target = 1e300")
    _exercise(w, "inf_tolerance", "target = 90", "target = inf")
    _recording(rec, "golden")
    _recording(rec, "meta_list", meta_json=b"[1, 2]")
    _recording(rec, "meta_garbage", meta_json=b'{"exercise": "glu')
    _recording(rec, "meta_latin1", meta_json=b'{"exercise": "caf\xe9"}')
    _recording(rec, "meta_no_exercise", meta_json=b'{"fps": 30}')
    _recording(rec, "meta_climbs", meta_json=b'{"exercise": "../routines/daily_hips"}')
    shutil.copytree(GOLDEN, w / "outside")
    (rec / "link").symlink_to(w / "outside", target_is_directory=True)
    (w / "routines").mkdir()
    (w / "routines" / "folder_routine.toml").mkdir()
    monkeypatch.setattr(routines.find_routine, "__defaults__", (w / "routines",))
    monkeypatch.chdir(rec)  # "../outside" is then a real folder beside the recordings
    return w


NO_WINDOW = ("--no-window", "--mute", "--recordings", "{rec}")
CASES = [
    # exercise and routine ids
    Case("coach-id-dotdot", ("coach", "../exercises/lunge", *NO_WINDOW), "not a plain name"),
    Case("coach-id-absolute", ("coach", "/etc/passwd", *NO_WINDOW), "not a plain name"),
    Case("coach-id-brackets", ("coach", "[hold]", *NO_WINDOW), "'[hold]' is not a plain name"),
    Case("coach-id-unknown", ("coach", "moonwalk", *NO_WINDOW), "unknown exercise 'moonwalk'"),
    Case("show-id-dotdot", ("exercises", "show", "../x"), "not a plain name"),
    Case("routine-id-dotdot", ("routine", "../x", *NO_WINDOW), "not a plain name"),
    Case("routine-id-unknown", ("routine", "nope", *NO_WINDOW), "unknown routine 'nope'"),
    Case("routine-file-is-a-folder", ("routine", "folder_routine", *NO_WINDOW), "cannot read"),
    # exercise files
    Case("validate-folder", ("exercises", "validate", "{w}/folder.toml"), "cannot read", 1, "bad "),
    Case("validate-not-utf8", ("exercises", "validate", "{w}/latin1.toml"), "not UTF-8", 1, "bad "),
    Case(
        "validate-nan",
        ("exercises", "validate", "{w}/nan_milestone/couch_stretch.toml"),
        "milestones_left_s: must be a finite",
        1,
        "bad ",
    ),
    Case(
        "validate-1e308-seconds",
        ("exercises", "validate", "{w}/huge_hold/couch_stretch.toml"),
        "hold.min_s: 1e+308 is absurd",
        1,
        "bad ",
    ),
    Case(
        "validate-1e300-target",
        ("exercises", "validate", "{w}/huge_target/couch_stretch.toml"),
        "target: 1e+300 is absurd",
        1,
        "bad ",
    ),
    Case(
        "validate-inf",
        ("exercises", "validate", "{w}/inf_tolerance/couch_stretch.toml"),
        "target: must be a finite",
        1,
        "bad ",
    ),
    # output paths
    Case("coach-summary-folder", ("coach", "lunge", "--summary-json", "{w}/folder", *NO_WINDOW), "is a folder"),
    Case(
        "coach-summary-no-folder", ("coach", "lunge", "--summary-json", "{w}/no/s.json", *NO_WINDOW), "does not exist"
    ),
    Case("coach-summary-long", ("coach", "lunge", "--summary-json", f"{{w}}/{LONG}.json", *NO_WINDOW), "longer than"),
    Case("coach-speech-wav-file", ("coach", "lunge", "--speech-wav", "{w}/file.txt", *NO_WINDOW), "is a file"),
    Case("routine-summary-folder", ("routine", "daily_hips", "--summary-json", "{w}/folder", *NO_WINDOW), "folder"),
    Case("routine-speech-wav-file", ("routine", "daily_hips", "--speech-wav", "{w}/file.txt", *NO_WINDOW), "a file"),
    Case("angles-csv-folder", ("angles", "--source", "{w}/clip.avi", "--csv", "{w}/folder"), "is a folder"),
    Case("angles-csv-no-folder", ("angles", "--source", "{w}/clip.avi", "--csv", "{w}/no/a.csv"), "does not exist"),
    Case("replay-csv-folder", ("replay", "golden", "--csv", "{w}/folder", "--recordings", "{rec}"), "is a folder"),
    Case("replay-csv-no-folder", ("replay", "golden", "--csv", "{w}/no/a.csv", "--recordings", "{rec}"), "not exist"),
    Case("replay-mot-folder", ("replay", "golden", "--mot", "{w}/folder", "--recordings", "{rec}"), "is a folder"),
    Case("replay-export-no-folder", ("replay", "golden", "--export", "{w}/no/v.mp4", "--recordings", "{rec}"), "exist"),
    Case("report-out-folder", ("report", "golden", "--out", "{w}/folder", "--recordings", "{rec}"), "is a folder"),
    Case("history-out-no-folder", ("history", "--out", "{w}/no/h.html", "--recordings", "{rec}"), "does not exist"),
    Case("eval-json-folder", ("eval", "{w}/file.txt", "--json", "{w}/folder"), "is a folder"),
    Case("eval-poses-file", ("eval", "{w}/file.txt", "--poses", "{w}/file.txt"), "is a file"),
    # sources
    Case("angles-source-long-name", ("angles", "--source", f"{{w}}/{LONG}.mp4"), "File name too long"),
    Case("coach-source-long-name", ("coach", "lunge", "--source", f"{{w}}/{LONG}.mp4", *NO_WINDOW), "too long"),
    Case("coach-source-missing", ("coach", "lunge", "--source", "{w}/none.mp4", *NO_WINDOW), "not found"),
    Case("coach-source-folder", ("coach", "lunge", "--source", "{w}/folder", *NO_WINDOW), "folder"),
    Case("angles-source-not-video", ("angles", "--source", "{w}/notes.mp4"), "cannot read"),
    # models
    Case("coach-model-folder", ("coach", "lunge", "--model", "{w}/folder.task", *NO_WINDOW), "model file not found"),
    Case("angles-model-not-zip", ("angles", "--source", "{w}/clip.avi", "--model", "{w}/notazip.task"), "not a zip"),
    Case(
        "coach-model-broken",
        ("coach", "lunge", "--source", "{w}/clip.avi", "--model", "{w}/broken.task", *NO_WINDOW),
        "cannot load pose model",
    ),
    Case("coach-model-unknown", ("coach", "lunge", "--model", "tiny", *NO_WINDOW), "unknown model 'tiny'"),
    # sessions
    Case("delete-dotdot", ("sessions", "delete", "../outside", "--yes", "--recordings", "{rec}"), "nothing deleted"),
    Case("delete-absolute", ("sessions", "delete", "{w}/outside", "--yes", "--recordings", "{rec}"), "nothing deleted"),
    Case("delete-link-out", ("sessions", "delete", "link", "--yes", "--recordings", "{rec}"), "link out of"),
    Case("show-missing", ("sessions", "show", "gone", "--recordings", "{rec}"), "no recording gone"),
    Case("show-brackets", ("sessions", "show", "[gone]", "--recordings", "{rec}"), "no recording [gone]"),
    Case("replay-long-name", ("replay", LONG, "--reanalyze", "--recordings", "{rec}"), "File name too long"),
    Case("replay-meta-list", ("replay", "meta_list", "--reanalyze", "--recordings", "{rec}"), "not a JSON object"),
    Case("replay-meta-cut-off", ("replay", "meta_garbage", "--reanalyze", "--recordings", "{rec}"), "not JSON"),
    Case("report-meta-not-utf8", ("report", "meta_latin1", "--recordings", "{rec}"), "not JSON"),
    Case("replay-meta-no-exercise", ("replay", "meta_no_exercise", "--reanalyze", "--recordings", "{rec}"), "names no"),
    Case("replay-meta-climbs", ("replay", "meta_climbs", "--reanalyze", "--recordings", "{rec}"), "not a plain name"),
    Case("pain-missing", ("sessions", "pain", "gone", "--before", "3", "--recordings", "{rec}"), "no recording gone"),
    # labels
    Case("eval-labels-missing", ("eval", "{w}/none.toml"), "none.toml"),
    Case("eval-labels-folder", ("eval", "{w}/folder.toml"), "folder.toml"),
]


def _snapshot(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_line_and_leaves_nothing(workspace: Path, case: Case) -> None:
    before = _snapshot(workspace)
    args = [a.replace("{rec}", str(workspace / "recordings")).replace("{w}", str(workspace)) for a in case.args]
    result = run_cli(*args)
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert result.code == case.code, result
    assert "Traceback" not in result.err + result.out
    assert len(lines) == 1 and lines[0].startswith(case.prefix), result.err
    assert case.says in lines[0], lines[0]
    assert result.out.strip() == ""
    assert _snapshot(workspace) == before  # no session folder, output or temporary file


def test_the_walk_covers_forty_kinds() -> None:
    assert len({c.id for c in CASES}) == len(CASES) >= 40
