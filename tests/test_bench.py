"""`formcoach bench` reports every figure the live-coach issue asks for. Its verdicts are
not asserted here: speed targets belong to the benchmark, never to a timed unit test."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from footage import CLIPS, require

pytestmark = pytest.mark.clips


def test_bench_reports_stages_ratio_latency_speech_gaps_reanalysis_and_memory() -> None:
    clip = require(CLIPS / "squat__postopcv.mp4")
    result = subprocess.run(
        [sys.executable, "-m", "formcoach", "bench", "--source", str(clip), "--frames", "45"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for stage in ("decode", "pose", "smoothing + measurements + checker", "overlay", "speech policy", "recording"):
        assert re.search(rf"{re.escape(stage)}\s*│\s*\d+\.\d\d", out), stage
    ratio = float(re.search(r"throughput ratio \(full / bare\): (\d\.\d+)", out).group(1))  # type: ignore[union-attr]
    assert 0.3 < ratio < 1.5  # a ratio of two throughputs on the same frames, not a time
    assert re.search(r"latency: p50 \d+\.\d ms, p95 \d+\.\d ms", out)
    assert re.search(r"largest frame gap while speaking: \d+\.\d\d frame intervals \(\d+ utterances\)", out)
    assert re.search(r"re-analysis from recorded poses: \d+× real time", out)
    assert len(re.findall(r"^(MET|MISSED) ", out, flags=re.MULTILINE)) == 3
    if sys.platform != "win32":
        assert re.search(r"peak memory \(RSS\): \d+ MB, of which the decoded clip .* \d+ MB: the coach itself", out)
