"""The label format shared by ../shared/clips and ../shared/renders, read as an interface:
a missing required field is an error naming the clip."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formcoach.errors import FormcoachError

Interval = tuple[float, float]


@dataclass(frozen=True)
class Fault:
    rule: str
    start_s: float
    end_s: float
    description: str = ""


@dataclass(frozen=True)
class ClipLabel:
    file: str
    video: Path
    coach_as: str | None  # None: no library exercise fits; listed as skipped
    usable: bool
    working_side: str = ""
    reps: int = 0
    reps_accept: tuple[int, int] = (0, 0)
    reps_left: int | None = None
    reps_right: int | None = None
    target_holds: tuple[Interval, ...] = ()
    exclude_intervals: tuple[Interval, ...] = ()
    faults: tuple[Fault, ...] = ()
    gt_csv: Path | None = None
    # The camera's azimuth offset from the exercise's canonical view (rendered sets only).
    camera_offset_deg: float | None = None
    front_leg: str = ""  # split-stance moves: the leg in front

    @property
    def target_hold_s(self) -> float:
        return sum(end - start for start, end in self.target_holds)

    def excluded(self, t: float) -> bool:
        return any(start <= t <= end for start, end in self.exclude_intervals)


def _intervals(raw: Any, where: str) -> tuple[Interval, ...]:
    try:
        return tuple((float(a), float(b)) for a, b in raw)
    except (TypeError, ValueError):
        raise FormcoachError(f"{where}: expected a list of [start_s, end_s] pairs") from None


def _clip(entry: dict[str, Any], folder: Path, labels_path: Path) -> ClipLabel:
    name = entry.get("file", "<clip without a file>")
    where = f"{labels_path}: clip {name}"

    def need(key: str) -> Any:
        if key not in entry:
            raise FormcoachError(f"{where}: missing required field {key!r}")
        return entry[key]

    need("file")
    coach_as = entry.get("coach_as")
    usable = bool(entry.get("usable", True))
    if coach_as is None or not usable:
        return ClipLabel(name, folder / name, coach_as, usable)
    accept = need("reps_accept")
    if not (isinstance(accept, list) and len(accept) == 2):
        raise FormcoachError(f"{where}: reps_accept must be [min, max]")
    faults = []
    for i, fault in enumerate(entry.get("faults", [])):
        try:
            faults.append(
                Fault(fault["rule"], float(fault["start_s"]), float(fault["end_s"]), fault.get("description", ""))
            )
        except KeyError as missing:
            raise FormcoachError(f"{where}: faults[{i}] lacks {missing}") from None
    gt = entry.get("gt_csv")
    camera = entry.get("camera")
    offset = camera.get("azim_offset_deg") if isinstance(camera, dict) else None
    return ClipLabel(
        file=name,
        video=folder / name,
        coach_as=str(coach_as),
        usable=usable,
        working_side=str(need("working_side")),
        reps=int(need("reps")),
        reps_accept=(int(accept[0]), int(accept[1])),
        reps_left=entry.get("reps_left"),
        reps_right=entry.get("reps_right"),
        target_holds=_intervals(entry.get("target_holds", []), f"{where}: target_holds"),
        exclude_intervals=_intervals(entry.get("exclude_intervals", []), f"{where}: exclude_intervals"),
        faults=tuple(faults),
        gt_csv=folder / gt if gt else None,
        camera_offset_deg=float(offset) if isinstance(offset, int | float) else None,
        front_leg=str(entry.get("front_leg", "")),
    )


def load_labels(path: Path) -> list[ClipLabel]:
    if not path.exists():
        raise FormcoachError(f"labels file not found: {path}")
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as error:
        raise FormcoachError(f"{path}: not valid TOML: {error}") from None
    clips = data.get("clip")
    if not isinstance(clips, list):
        raise FormcoachError(f"{path}: no [[clip]] entries")
    return [_clip(entry, path.parent, path) for entry in clips]
