"""`formcoach bench` reports every figure the live-coach issue asks for, each the worst of
several runs, and `--soak` memory growth and frame-time drift. Their verdicts are not
asserted here: speed targets belong to the benchmark, never to a timed unit test."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from footage import CLIPS, require

pytestmark = pytest.mark.clips


def bench(*args: str) -> str:
    clip = require(CLIPS / "squat__postopcv.mp4")
    result = subprocess.run(
        [sys.executable, "-m", "formcoach", "bench", "--source", str(clip), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_bench_reports_each_figure_at_its_worst_over_the_runs() -> None:
    out = bench("--frames", "30", "--repeats", "2")
    assert "worst of 2 runs" in out
    for stage in ("decode", "pose", "smoothing + measurements + checker", "overlay", "speech policy", "recording"):
        assert re.search(rf"{re.escape(stage)}\s*│\s*\d+\.\d\d", out), stage
    found = re.search(r"throughput ratio \(full / bare\): (\d\.\d+) worst \(runs: (\d\.\d+), (\d\.\d+)\)", out)
    assert found, out
    worst, *runs = (float(x) for x in found.groups())
    assert worst == min(runs) and 0.3 < worst < 1.5  # a ratio of two throughputs on the same frames
    assert re.search(r"latency: p50 \d+\.\d ms, p95 \d+\.\d ms \(worst\)", out)
    gaps = re.search(r"while speaking: (\d+\.\d\d) frame intervals worst \(\d+ utterances; runs: (\S+), (\S+)\)", out)
    assert gaps, out
    assert float(gaps.group(1)) == max(float(gaps.group(2)), float(gaps.group(3)))
    assert re.search(r"re-analysis from recorded poses: \d+× real time \(worst\)", out)
    assert len(re.findall(r"^(MET|MISSED) ", out, flags=re.MULTILINE)) == 3
    if sys.platform != "win32":
        assert re.search(r"peak memory \(RSS\): \d+ MB, of which the decoded clip .* \d+ MB: the coach itself", out)


def test_soak_reports_memory_growth_and_frame_time_drift_per_window() -> None:
    out = bench("--frames", "30", "--soak", "0.15")  # 9 s: the report's shape, not its figures
    windows = re.findall(r"│ (\d+) s\s*│ (\d+) MB\s*│ (\d+\.\d)", out)
    assert len(windows) >= 2, out
    assert [int(w[0]) for w in windows] == sorted(int(w[0]) for w in windows)
    assert re.search(r"\d+ frames in \d+ sessions", out)
    growth = float(re.search(r"memory growth after warm-up: (-?\d+\.\d) MB", out).group(1))  # type: ignore[union-attr]
    assert abs(growth - (int(windows[-1][1]) - int(windows[0][1]))) <= 1  # the table rounds MB
    assert re.search(r"per-frame time drift after warm-up: [+-]\d+\.\d %", out)
    assert re.search(r"^(MET|MISSED)  memory growth < 50 MB", out, flags=re.MULTILINE)
