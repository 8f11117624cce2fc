"""Pain ratings of one session: ``pain.json`` in its recording folder.

    {"before": 0-10 | null, "after": 0-10 | null}

The two ratings are asked at different moments (before the first exercise, after the last),
so each save merges into what is already there instead of overwriting it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from formcoach.errors import FormcoachError
from formcoach.files import write_json

PAIN = "pain.json"
PAIN_MIN, PAIN_MAX = 0, 10
MOMENTS = ("before", "after")


def _check(moment: str, value: object) -> int | None:
    if value is None:
        return None
    # bool is an int in Python, and True must not pass as a rating of 1.
    if not isinstance(value, int) or isinstance(value, bool) or not PAIN_MIN <= value <= PAIN_MAX:
        raise FormcoachError(f"pain {moment} must be a whole number from {PAIN_MIN} to {PAIN_MAX}, got {value!r}")
    return value


def load_pain(folder: Path) -> dict[str, int | None]:
    """``{"before": …, "after": …}`` (None where not rated, or when there is no pain.json)."""
    path = folder / PAIN
    if not path.exists():
        return dict.fromkeys(MOMENTS)
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        raise FormcoachError(f"{path} is damaged (not JSON)") from None
    if not isinstance(data, dict):
        raise FormcoachError(f"{path} must hold a JSON object with 'before' and 'after'")
    return {moment: _check(moment, data.get(moment)) for moment in MOMENTS}


def save_pain(folder: Path, before: int | None = None, after: int | None = None) -> None:
    """Record pain ratings (0 no pain … 10 worst), keeping a rating already saved where
    the argument is None."""
    new = {"before": _check("before", before), "after": _check("after", after)}
    if not folder.is_dir():
        raise FormcoachError(f"{folder} is not a recording folder")
    merged = load_pain(folder)
    merged.update({moment: value for moment, value in new.items() if value is not None})
    write_json(dict(merged), folder / PAIN)
