"""Make the test helpers (``synthetic``) importable when pytest runs from the repo root; shared
fixtures."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

TESTS_DIR = str(Path(__file__).resolve().parent)
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)

GOLDEN_RECORDING = Path(__file__).resolve().parent / "data" / "golden_bridge"


@pytest.fixture
def recordings(tmp_path: Path) -> Path:
    """A recordings folder holding one intact session, ``golden`` (a glute bridge, 5 reps)."""
    root = tmp_path / "recordings"
    root.mkdir()
    shutil.copytree(GOLDEN_RECORDING, root / "golden")
    return root
