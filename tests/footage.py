"""Where the labelled footage lives (../shared beside the checkout), and its labels.

Footage is never committed: tests that need it skip with a clear reason where it is absent.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
CLIPS = SHARED / "clips"
RENDERS = SHARED / "renders"
RENDERS_WIDE = SHARED / "renders-wide"


def require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"labelled footage not found at {path} (it lives in ../shared beside the checkout)")
    return path


def clip_label(folder: Path, file: str) -> dict[str, Any]:
    with require(folder / "labels.toml").open("rb") as f:
        labels = tomllib.load(f)
    for clip in labels["clip"]:
        if clip["file"] == file:
            return dict(clip)
    raise KeyError(f"{file} is not labelled in {folder / 'labels.toml'}")
