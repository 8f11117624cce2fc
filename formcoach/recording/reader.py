"""Reads a recording back, reading around damage: a last line cut off by a crash, a
garbage line, a cut-off summary."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from formcoach.errors import FormcoachError
from formcoach.recording.format import (
    EVENTS,
    META,
    POSES,
    SAID,
    SUMMARY,
    VIDEO,
    event_from_json,
    in_video,
    pose_from_json,
    said_from_json,
)
from formcoach.summary import Summary
from formcoach.types import Event, Pose, Said

T = TypeVar("T")


def _parsed_lines(path: Path, parse: Callable[[dict[str, Any]], T]) -> tuple[list[T], int]:
    """Every line of ``path`` that ``parse`` reads, and how many lines it could not: a line
    cut off by a crash, garbage, bytes that are not UTF-8, a pose without a time, an event
    of a kind this version does not know. One bad line never hides the lines after it."""
    if not path.exists():
        return [], 0
    parsed: list[T] = []
    skipped = 0
    with path.open("rb") as f:
        for raw in f:
            try:
                line = json.loads(raw.decode("utf-8"))
                parsed.append(parse(line))
            except (ValueError, KeyError, TypeError, IndexError, AttributeError):
                skipped += 1  # ValueError covers bad JSON, bad UTF-8 and unknown enum values
    return parsed, skipped


def _json_object(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``; FormcoachError if it is cut off, not JSON or not an object."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except ValueError:
        raise FormcoachError(f"{path} is damaged (not JSON)") from None
    if not isinstance(data, dict):
        raise FormcoachError(f"{path} is damaged (not a JSON object)")
    return data


@dataclass(frozen=True, eq=False)
class Recording:
    folder: Path
    meta: dict[str, Any]
    poses: tuple[tuple[float, int, Pose | None], ...]
    events: tuple[Event, ...]
    summary: Summary | None
    damage: tuple[str, ...] = ()  # what could not be read, one phrase each (empty: intact)
    said: tuple[Said, ...] | None = None  # the cues spoken; None for a recording that kept none
    # Per pose, the video frame that shows it: the newest one written at or before it, since
    # frames the encoder could not keep up with were dropped from the video.
    video_index: tuple[int, ...] = ()
    video_dropped: int = 0  # recorded frames missing from the video

    @property
    def exercise_id(self) -> str:
        exercise = self.meta.get("exercise")
        if not isinstance(exercise, str):
            raise FormcoachError(f"{self.folder / META} is damaged (it names no exercise)")
        return exercise

    @property
    def video(self) -> Path | None:
        path = self.folder / VIDEO
        return path if path.exists() else None

    @property
    def duration_s(self) -> float:
        return self.poses[-1][0] - self.poses[0][0] if self.poses else 0.0


def load_recording(folder: Path) -> Recording:
    """The recording in ``folder``, reading around damage (listed in ``Recording.damage``);
    FormcoachError only if its meta.json is missing or unreadable."""
    if not (folder / META).is_file():
        raise FormcoachError(f"{folder} is not a formcoach recording (no {META})")
    meta = _json_object(folder / META)
    damage: list[str] = []
    summary = None
    if (folder / SUMMARY).exists():
        try:
            summary = read_summary(folder)
        except FormcoachError:
            damage.append(f"{SUMMARY} is damaged")
    lines, bad_poses = _parsed_lines(folder / POSES, lambda line: (pose_from_json(line), in_video(line)))
    events, bad_events = _parsed_lines(folder / EVENTS, event_from_json)
    said, bad_said = _parsed_lines(folder / SAID, said_from_json) if (folder / SAID).exists() else (None, 0)
    damage += [f"{n} damaged line{'s' if n > 1 else ''} in {name} skipped"
               for name, n in ((POSES, bad_poses), (EVENTS, bad_events), (SAID, bad_said)) if n]  # fmt: skip
    poses = tuple(pose for pose, _ in lines)
    shown = [in_the_video for _, in_the_video in lines]
    kept = None if said is None else tuple(said)
    return Recording(
        folder, meta, poses, tuple(events), summary, tuple(damage), kept, _video_index(shown), shown.count(False)
    )


def _video_index(shown: list[bool]) -> tuple[int, ...]:
    """For each pose, the position of the video frame showing it (see Recording.video_index)."""
    positions = []
    position = -1
    for in_the_video in shown:
        position += in_the_video
        positions.append(max(position, 0))
    return tuple(positions)


def read_summary(folder: Path) -> Summary:
    """The session's summary.json; FormcoachError when it is cut off or misshapen."""
    try:
        return Summary.from_json(_json_object(folder / SUMMARY))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise FormcoachError(f"{folder / SUMMARY} is damaged (not a formcoach summary)") from None


def find_recordings(root: Path) -> list[Path]:
    """Recording folders under ``root`` (routine folders hold one per exercise), newest first."""
    if not root.exists():
        return []
    folders = [meta.parent for meta in root.rglob(META)]
    return sorted(folders, key=lambda f: f.name, reverse=True)
