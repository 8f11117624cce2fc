"""`formcoach eval` end to end on two shared clips."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from footage import CLIPS, require

pytestmark = [pytest.mark.clips, pytest.mark.slow]


def test_eval_two_clips_end_to_end(tmp_path: Path) -> None:
    source = require(CLIPS / "labels.toml").read_text()
    # Two clips only: a labelled one and one with no library exercise (listed as skipped).
    blocks = source.split("[[clip]]")
    keep = [b for b in blocks[1:] if 'file = "glute_bridge__darebee.mp4"' in b or 'file = "chair_hold__pfc.mp4"' in b]
    subset = tmp_path / "labels.toml"
    subset.write_text(blocks[0] + "".join("[[clip]]" + b for b in keep))
    for clip in ("glute_bridge__darebee.mp4", "chair_hold__pfc.mp4"):
        (tmp_path / clip).symlink_to(CLIPS / clip)
    out = tmp_path / "scores.json"
    result = subprocess.run(
        [sys.executable, "-m", "formcoach", "eval", str(subset), "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "skipped chair_hold__pfc.mp4: no coach_as exercise" in result.stdout
    scores = json.loads(out.read_text())
    [bridge] = scores["clips"]
    assert bridge["file"] == "glute_bridge__darebee.mp4"
    assert bridge["reps"] == bridge["reps_label"] == 5
    assert scores["overall"]["exact_rate"] == 1.0
    assert bridge["detection_rate"] > 0.95
