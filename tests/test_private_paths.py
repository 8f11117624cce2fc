"""Recordings are private whatever the umask; session, exercise and routine names never lead
out of their folders; two runs started together each get their own folder."""

from __future__ import annotations

import os
import shutil
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_runner import run_cli
from test_report import record_lunge

from formcoach.exercises.loader import find_exercise
from formcoach.exercises.routines import find_routine
from formcoach.feedback.cue_policy import Utterance
from formcoach.feedback.speech import SpeechWorker
from formcoach.files import create_unique_dir, write_json
from formcoach.report.pain import save_pain
from formcoach.report.session import write_session_report

GOLDEN = Path(__file__).parent / "data" / "golden_bridge"
posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The common default, under which plain mkdir/open give 0755/0644."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def modes(root: Path) -> dict[str, int]:
    """Every path under ``root`` (itself included) → its permission bits."""
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = stat.S_IMODE(path.stat().st_mode)
    return found


@posix_only
@pytest.mark.usefixtures("umask_022")
def test_a_recording_and_its_report_are_owner_only_under_umask_022(tmp_path: Path) -> None:
    folder = record_lunge(tmp_path / "recordings" / "2026-03-02_180000_lunge")
    save_pain(folder, before=3, after=2)
    write_session_report(folder)
    found = modes(folder)
    assert {"meta.json", "poses.jsonl", "events.jsonl", "video.avi", "summary.json", "pain.json", "report.html"} <= set(
        found
    )
    assert found.pop(".") == 0o700
    assert found == dict.fromkeys(found, 0o600)
    assert not [p for p in folder.iterdir() if p.name.endswith(".part")]  # no temporary left


@posix_only
@pytest.mark.usefixtures("umask_022")
def test_speech_wavs_and_their_log_are_owner_only(tmp_path: Path) -> None:
    wav_dir = tmp_path / "speech"
    with SpeechWorker(wav_dir=wav_dir, on_warning=lambda _: None) as worker:
        worker.say(Utterance(0.0, "Lift your chest.", 1, "cue", 0.0))
    found = modes(wav_dir)
    assert found.pop(".") == 0o700
    assert "speech.jsonl" in found
    assert found == dict.fromkeys(found, 0o600)


@posix_only
@pytest.mark.usefixtures("umask_022")
def test_json_written_over_an_open_file_is_replaced_privately(tmp_path: Path) -> None:
    out = tmp_path / "summary.json"
    out.write_text("{}")
    out.chmod(0o644)
    write_json({"reps": 3}, out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_text() == '{\n  "reps": 3\n}\n'


def test_two_folders_created_at_once_are_both_new(tmp_path: Path) -> None:
    made: list[Path] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def create() -> None:
        barrier.wait()
        try:
            made.append(create_unique_dir(tmp_path, "2026-03-02_180000_lunge"))
        except BaseException as error:  # collected: a thread's exception would be lost
            errors.append(error)

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(p.name for p in made) == sorted(
        ["2026-03-02_180000_lunge", *(f"2026-03-02_180000_lunge_{n}" for n in range(2, 9))]
    )


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A recording that is not in the recordings folder."""
    folder = tmp_path / "elsewhere"
    shutil.copytree(GOLDEN, folder)
    return folder


def test_delete_refuses_a_dot_dot_path_and_keeps_the_folder(
    recordings: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(recordings)
    result = run_cli("sessions", "delete", "../elsewhere", "--yes", "--recordings", str(recordings))
    assert result.code == 2
    assert "is not a recording inside" in result.err and "nothing deleted" in result.err
    assert (outside / "meta.json").exists()


def test_delete_refuses_an_absolute_path_outside(recordings: Path, outside: Path) -> None:
    result = run_cli("sessions", "delete", str(outside), "--yes", "--recordings", str(recordings))
    assert result.code == 2 and "nothing deleted" in result.err
    assert (outside / "meta.json").exists()


def test_a_symlink_out_of_the_recordings_folder_is_refused(recordings: Path, outside: Path) -> None:
    (recordings / "link").symlink_to(outside, target_is_directory=True)
    for command in (["sessions", "delete", "link", "--yes"], ["sessions", "show", "link"]):
        result = run_cli(*command, "--recordings", str(recordings))
        assert result.code == 2 and "is a link out of" in result.err, result
        assert "Traceback" not in result.err
    assert (outside / "meta.json").exists() and (recordings / "link").is_symlink()


def test_a_symlink_inside_is_not_deleted_through(recordings: Path) -> None:
    (recordings / "alias").symlink_to(recordings / "golden", target_is_directory=True)
    result = run_cli("sessions", "delete", "alias", "--yes", "--recordings", str(recordings))
    assert result.code == 2 and "nothing deleted" in result.err
    assert (recordings / "golden" / "meta.json").exists()


def test_delete_deletes_a_recording_by_name(recordings: Path) -> None:
    result = run_cli("sessions", "delete", "golden", "--yes", "--recordings", str(recordings))
    assert result.code == 0, result
    assert not (recordings / "golden").exists() and recordings.is_dir()


@pytest.mark.parametrize("name", ["../exercises/lunge", "/etc/passwd", "lunge/../lunge", "", ".hidden"])
def test_exercise_and_routine_ids_are_plain_names(name: str) -> None:
    with pytest.raises(Exception, match="is not a plain name"):
        find_exercise(name)
    with pytest.raises(Exception, match="is not a plain name"):
        find_routine(name)


def test_an_exercise_linked_from_outside_the_library_is_refused(tmp_path: Path) -> None:
    library = tmp_path / "exercises"
    library.mkdir()
    (library / "lunge.toml").symlink_to(Path(__file__).parent / "data" / "exercises" / "lunge.toml")
    with pytest.raises(Exception, match="is a link out of"):
        find_exercise("lunge", library)


def test_an_exercise_id_in_meta_json_cannot_climb_out(recordings: Path) -> None:
    meta = recordings / "golden" / "meta.json"
    meta.write_text(meta.read_text().replace('"exercise": "glute_bridge"', '"exercise": "../routines/daily_hips"'))
    result = run_cli("replay", "golden", "--reanalyze", "--recordings", str(recordings))
    assert result.code == 2 and "is not a plain name" in result.err
