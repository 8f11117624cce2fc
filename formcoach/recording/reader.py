"""Reads a recording back, tolerating a last line cut off by a crash."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formcoach.errors import FormcoachError
from formcoach.recording.format import EVENTS, META, POSES, SUMMARY, VIDEO, event_from_json, pose_from_json
from formcoach.types import Event, Pose


def _json_lines(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as f:
        for line in f:
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                return  # a line the process was killed in the middle of writing


@dataclass(frozen=True, eq=False)
class Recording:
    folder: Path
    meta: dict[str, Any]
    poses: tuple[tuple[float, int, Pose | None], ...]
    events: tuple[Event, ...]
    summary: dict[str, Any] | None

    @property
    def video(self) -> Path | None:
        path = self.folder / VIDEO
        return path if path.exists() else None

    @property
    def duration_s(self) -> float:
        return self.poses[-1][0] - self.poses[0][0] if self.poses else 0.0


def load_recording(folder: Path) -> Recording:
    if not (folder / META).exists():
        raise FormcoachError(f"{folder} is not a formcoach recording (no {META})")
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        raise FormcoachError(f"{folder / META} is damaged (not JSON)") from None
    summary_path = folder / SUMMARY
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.exists() else None
    return Recording(
        folder=folder,
        meta=meta,
        poses=tuple(pose_from_json(line) for line in _json_lines(folder / POSES)),
        events=tuple(event_from_json(line) for line in _json_lines(folder / EVENTS)),
        summary=summary,
    )


def find_recordings(root: Path) -> list[Path]:
    """Recording folders under ``root`` (routine folders hold one per exercise), newest first."""
    if not root.exists():
        return []
    folders = [meta.parent for meta in root.rglob(META)]
    return sorted(folders, key=lambda f: f.name, reverse=True)
