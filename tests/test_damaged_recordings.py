"""A damaged recording is read around its damage, and says how much it skipped; one damaged
session never stops the listing or the history of the others."""

from __future__ import annotations

import shutil
from pathlib import Path

from cli_runner import run_cli

from formcoach.recording.reader import load_recording

GOLDEN = Path(__file__).parent / "data" / "golden_bridge"
GOLDEN_POSES = len((GOLDEN / "poses.jsonl").read_text().splitlines())
GOLDEN_EVENTS = len((GOLDEN / "events.jsonl").read_text().splitlines())


def damage_lines(path: Path, after: int, *bad: bytes) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([*lines[:after], *(line + b"\n" for line in bad), *lines[after:]]))


def test_bad_lines_are_skipped_counted_and_the_rest_kept(recordings: Path) -> None:
    folder = recordings / "golden"
    damage_lines(folder / "poses.jsonl", 10, b"garbage{", b'{"i": 3, "xy": []}', b'{"i": 4, "t": "caf\xe9"}')
    damage_lines(folder / "events.jsonl", 1, b'{"t": 1.0, "kind": "moonwalk"}')
    recording = load_recording(folder)
    assert len(recording.poses) == GOLDEN_POSES  # every good line, including the 222 after the damage
    assert len(recording.events) == GOLDEN_EVENTS
    assert recording.damage == (
        "3 damaged lines in poses.jsonl skipped",
        "1 damaged line in events.jsonl skipped",
    )


def test_replay_says_how_many_lines_it_skipped(recordings: Path, tmp_path: Path) -> None:
    folder = recordings / "golden"
    damage_lines(folder / "poses.jsonl", 100, b"\xff\xfe not text")
    out = tmp_path / "angles.csv"
    result = run_cli("replay", folder.name, "--csv", str(out), "--recordings", str(recordings))
    assert result.code == 0, result
    assert result.err.strip() == f"warning: {folder}: 1 damaged line in poses.jsonl skipped"
    assert len(out.read_text().splitlines()) == 1 + GOLDEN_POSES


def test_list_and_history_show_damaged_sessions_and_go_on(recordings: Path) -> None:
    golden = recordings / "golden"
    cut = shutil.copytree(golden, recordings / "2026-03-02_100000_cut_summary")
    (cut / "summary.json").write_text((golden / "summary.json").read_text()[:200])
    listed_meta = shutil.copytree(golden, recordings / "2026-03-03_100000_meta_list")
    (listed_meta / "meta.json").write_text("[1, 2, 3]")
    shutil.copytree(golden, recordings / "2026-03-04_100000_[hold] day")

    listed = run_cli("sessions", "list", "--recordings", str(recordings))
    assert listed.code == 0, listed
    rows = {line.split("│")[1].strip(): line for line in listed.out.splitlines() if "│" in line}
    assert "(damaged summary.json)" in rows["2026-03-02_100000_cut_summary"]
    assert "glute_bridge" in rows["2026-03-04_100000_[hold] day"]  # brackets are text, not markup
    assert " 5 " in rows["golden"]  # the intact one still shows its 5 reps

    history = run_cli("history", "--recordings", str(recordings))
    assert history.code == 0, history
    html = (recordings / "history.html").read_text()
    assert "2026-03-03_100000_meta_list: " in html and "not a JSON object" in html
    assert "3 recorded exercises" in html  # the cut summary is rebuilt from its poses
