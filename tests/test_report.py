"""Session reports and the progress history: the pure counting and pain logic on hand-made
data, then whole pages built from a recording the project's own recorder wrote, rendered in
headless Chromium and checked on the screenshot (skipped where Chromium is not installed)."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
from synthetic import Angles, Camera, concat, repeat, sequence

from formcoach.checkers.session import ExerciseSession
from formcoach.errors import FormcoachError
from formcoach.exercises.loader import find_exercise
from formcoach.feedback.overlay import annotate_skeleton
from formcoach.measurements import Unit
from formcoach.pipeline import Analyzer, replay
from formcoach.recording.writer import SessionRecorder, recording_meta
from formcoach.report import load_pain, save_pain, write_history, write_session_report
from formcoach.report.history import (
    PainVerdict,
    group_sessions,
    pain_trend,
    plan_streak,
    week_start,
    weekly_counts,
)
from formcoach.report.page import BAND, LINE
from formcoach.report.session import band_text
from formcoach.summary import SessionLog
from formcoach.types import Frame

MONDAY = date(2026, 3, 2)  # an ISO week's first day


# -- weeks and sessions ------------------------------------------------------------------


def test_week_start_is_the_iso_monday():
    assert week_start(MONDAY) == MONDAY
    assert week_start(MONDAY + timedelta(days=6)) == MONDAY  # Sunday
    assert week_start(MONDAY + timedelta(days=7)) == MONDAY + timedelta(weeks=1)


def test_recordings_close_together_are_one_session():
    t0 = datetime(2026, 3, 2, 18, 0)
    spans = [
        (t0 + timedelta(minutes=10), t0 + timedelta(minutes=15)),  # given out of order
        (t0, t0 + timedelta(minutes=5)),
        (t0 + timedelta(hours=3), t0 + timedelta(hours=3, minutes=5)),  # the evening: a second session
    ]
    assert group_sessions(spans) == [[1, 0], [2]]
    assert group_sessions(spans, gap=timedelta(minutes=1)) == [[1], [0], [2]]
    assert group_sessions([]) == []


def test_weekly_counts_include_empty_weeks_up_to_today():
    days = [MONDAY, MONDAY + timedelta(days=2), MONDAY + timedelta(weeks=2, days=4)]
    counts = weekly_counts(days, today=MONDAY + timedelta(weeks=3, days=1))
    assert counts == [
        (MONDAY, 2),
        (MONDAY + timedelta(weeks=1), 0),
        (MONDAY + timedelta(weeks=2), 1),
        (MONDAY + timedelta(weeks=3), 0),
    ]
    assert weekly_counts([], today=MONDAY) == []


@pytest.mark.parametrize(
    ("counts", "in_progress", "streak"),
    [
        ([3, 4, 1, 3, 5], False, 2),
        ([3, 4, 1, 3, 5], True, 2),  # the current week already meets the plan
        ([3, 5, 1], True, 2),  # a week still in progress does not break the streak yet
        ([3, 5, 1], False, 0),  # a finished week with one session does
        ([6, 3], False, 2),  # more than the plan still keeps the streak
        ([2, 2], False, 0),
        ([], True, 0),
    ],
)
def test_plan_streak(counts, in_progress, streak):
    assert plan_streak(counts, in_progress) == streak


# -- pain trend --------------------------------------------------------------------------


def weeks_of(*weekly: list[float]) -> list[tuple[date, float]]:
    """Ratings on Monday, Wednesday, Friday… of consecutive weeks from MONDAY."""
    return [
        (MONDAY + timedelta(weeks=w, days=2 * i), value)
        for w, values in enumerate(weekly)
        for i, value in enumerate(values)
    ]


def test_pain_improving():
    trend = pain_trend(weeks_of([6, 6, 7], [5, 5], [4, 4], [3, 3]))
    assert trend.verdict is PainVerdict.IMPROVING
    assert trend.first_mean == pytest.approx(19 / 3)
    assert trend.latest_mean == 3
    assert not trend.see_professional


def test_pain_flat_after_three_weeks_advises_a_professional():
    trend = pain_trend(weeks_of([5, 5], [4, 6], [6, 4], [5, 5]))
    assert trend.verdict is PainVerdict.NOT_IMPROVING
    assert trend.weeks == 3
    assert trend.see_professional


def test_pain_getting_worse_advises_a_professional_at_once():
    trend = pain_trend(weeks_of([3, 3], [4, 5]))
    assert trend.verdict is PainVerdict.WORSE
    assert trend.see_professional


def test_pain_flat_for_fewer_than_three_weeks_gives_no_verdict_yet():
    assert pain_trend(weeks_of([5, 5], [5], [5, 5])).verdict is PainVerdict.TOO_EARLY
    assert pain_trend(weeks_of([5, 6, 4])).verdict is PainVerdict.TOO_EARLY  # a single week
    assert not pain_trend(weeks_of([5, 5], [5, 5])).see_professional


def test_pain_free_throughout_is_not_a_reason_to_see_anyone():
    trend = pain_trend(weeks_of([0, 0], [0], [0], [0, 0]))
    assert trend.verdict is PainVerdict.PAIN_FREE
    assert not trend.see_professional


def test_no_pain_ratings():
    assert pain_trend([]).verdict is PainVerdict.NO_RATINGS


def test_band_text():
    assert band_text(70, 115, Unit.DEG) == "70–115°"
    assert band_text(40, float("inf"), Unit.DEG) == "≥ 40°"
    assert band_text(float("-inf"), 1.6, Unit.HIP_WIDTHS) == "≤ 1.6 hip widths"


# -- pain.json ---------------------------------------------------------------------------


def test_save_pain_merges_and_validates(tmp_path):
    assert load_pain(tmp_path) == {"before": None, "after": None}
    save_pain(tmp_path, before=4)
    save_pain(tmp_path, after=2)
    assert load_pain(tmp_path) == {"before": 4, "after": 2}
    save_pain(tmp_path, before=0)
    assert json.loads((tmp_path / "pain.json").read_text()) == {"before": 0, "after": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["pain.json"]  # no temporary file left
    for bad in (-1, 11, 2.5, True, "3"):
        with pytest.raises(FormcoachError, match="0 to 10"):
            save_pain(tmp_path, after=bad)
    assert load_pain(tmp_path) == {"before": 0, "after": 2}  # a rejected save changes nothing
    with pytest.raises(FormcoachError, match="not a recording folder"):
        save_pain(tmp_path / "missing", before=1)


def test_damaged_pain_file_is_reported(tmp_path):
    (tmp_path / "pain.json").write_text("{not json")
    with pytest.raises(FormcoachError, match="damaged"):
        load_pain(tmp_path)
    (tmp_path / "pain.json").write_text('{"before": 12}')
    with pytest.raises(FormcoachError, match="0 to 10"):
        load_pain(tmp_path)


# -- a recording made by the project's own recorder ------------------------------------

LUNGE = find_exercise("lunge")
LUNGE_REPS = 4  # three clean, the last leaning (a correction)
SIZE = (640, 480)


class _Source:
    """What ``recording_meta`` reads of a frame source."""

    name = "synthetic_lunge.mp4"
    size = SIZE
    fps = 30.0


def _lunge_keyframes():
    def at(hip: float, knee: float, back_hip: float, back_knee: float, lean: float = 0.0) -> Angles:
        return Angles(left_hip=hip, left_knee=knee, right_hip=back_hip, right_knee=back_knee, trunk_lean=lean)

    up = at(30.0, 15.0, -15.0, 20.0)
    down, leaning = at(80.0, 90.0, -5.0, 90.0), at(80.0, 90.0, -5.0, 90.0, lean=40.0)
    cycle = [(0.0, up), (0.5, up), (1.5, down), (2.0, down), (3.0, up)]
    lean_cycle = [(0.0, up), (0.5, up), (1.5, leaning), (2.0, leaning), (3.0, up)]
    return concat(cycle[:2], repeat(cycle, LUNGE_REPS - 1), lean_cycle, [(0.0, up), (1.0, up)])


def record_lunge(folder: Path, video_size: tuple[int, int] = SIZE) -> Path:
    """A lunge session written exactly as ``formcoach coach`` writes one: poses through the
    pipeline into SessionRecorder, with a video of the skeleton on a plain background."""
    session = ExerciseSession(LUNGE, ("left", "right"))
    log = SessionLog(LUNGE)
    poses = sequence(
        _lunge_keyframes(), fps=_Source.fps, facing="left", legs_follow_trunk=False, camera=Camera(image_wh=SIZE)
    )
    background = np.full((SIZE[1], SIZE[0], 3), 90, dtype=np.uint8)
    with SessionRecorder(folder, recording_meta(LUNGE, _Source(), None), _Source.fps, video_size) as recorder:
        for step in replay(poses, Analyzer(session)):
            image = annotate_skeleton(background, step.raw_pose) if step.raw_pose is not None else background
            step = replace(step, frame=Frame(step.update.frame_index, step.update.t, cv2.resize(image, video_size)))
            log(step)
            recorder(step)
        recorder.write_summary(log.summary())
    return folder


@pytest.fixture(scope="module")
def lunge_recording(tmp_path_factory) -> Path:
    folder = record_lunge(tmp_path_factory.mktemp("rec") / "2026-03-02_180000_lunge")
    summary = json.loads((folder / "summary.json").read_text())
    # The scenario the pages are checked against: counted reps and one spoken correction.
    assert summary["sides"]["left"]["reps"] >= LUNGE_REPS - 1
    assert [c["rule"] for c in summary["cues"]] == ["torso_upright"]
    return folder


def embedded_images(html: str, mime: str) -> list[np.ndarray]:
    found = re.findall(rf'src="data:{mime};base64,([A-Za-z0-9+/=]+)"', html)
    return [cv2.imdecode(np.frombuffer(base64.b64decode(data), np.uint8), cv2.IMREAD_COLOR) for data in found]


def colour_pixels(image: np.ndarray, hex_colour: str, tolerance: int = 40) -> int:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    bgr = rgb[::-1]
    return int((np.abs(image.astype(np.int32) - bgr).max(axis=2) <= tolerance).sum())


def test_session_report_is_self_contained_and_complete(lunge_recording, tmp_path):
    out = write_session_report(lunge_recording, tmp_path / "report.html")
    html = out.read_text(encoding="utf-8")
    summary = json.loads((lunge_recording / "summary.json").read_text())
    assert "<script" not in html and 'src="http' not in html and "<link" not in html  # loads nothing
    assert "<h1>Lunge</h1>" in html
    assert f"{summary['sides']['left']['reps']} reps (target: 2 sets of 12)" in html
    assert "Right side" not in html  # never begun: the summary holds only the sides coached
    # The correction: time, rule, text (escaped), and a thumbnail of the video at that time.
    cue = summary["cues"][0]
    assert "rule torso_upright" in html and "Keep your torso upright. Lift your chest." in html
    thumbs = embedded_images(html, "image/jpeg")
    assert len(thumbs) == 1 and thumbs[0].shape[1] == 480
    assert f"{int(cue['t'] // 60)}:{cue['t'] % 60:04.1f}" in html
    # One figure for the side done: each measurement the exercise uses, in the line colour,
    # with the good band shaded.
    plots = embedded_images(html, "image/png")
    assert len(plots) == 1
    assert colour_pixels(plots[0], LINE) > 2000
    assert colour_pixels(plots[0], "#e2f1e2", tolerance=8) > 10000  # the band, pale green
    for label in ("Both knees flexion", "Front knee flexion", "Trunk lean"):
        assert f"<td>{label}</td><td>Left side</td>" in html
    assert "furthest point of each rep" in html


def test_report_of_a_killed_session_rebuilds_the_summary(lunge_recording, tmp_path):
    folder = tmp_path / "killed"
    shutil.copytree(lunge_recording, folder)
    summary = json.loads((folder / "summary.json").read_text())
    (folder / "summary.json").unlink()
    html = write_session_report(folder).read_text(encoding="utf-8")
    assert (folder / "report.html").exists()
    assert "did not finish normally" in html
    assert f"{summary['sides']['left']['reps']} reps" in html
    assert "rule torso_upright" in html


def test_report_shows_pain_and_escapes_text(lunge_recording, tmp_path):
    folder = tmp_path / "pain"
    shutil.copytree(lunge_recording, folder)
    save_pain(folder, before=5, after=3)
    meta = json.loads((folder / "meta.json").read_text())
    meta["source"] = "<b>clip</b>.mp4"
    (folder / "meta.json").write_text(json.dumps(meta))
    html = write_session_report(folder).read_text(encoding="utf-8")
    assert "before 5/10, after 3/10" in html
    assert "&lt;b&gt;clip&lt;/b&gt;.mp4" in html and "<b>clip</b>" not in html


def test_report_with_a_downscaled_video(tmp_path):
    """A video smaller than the source (as the recorder writes for > 540 p): the thumbnail
    still comes out and the skeleton is scaled onto it."""
    folder = record_lunge(tmp_path / "small", video_size=(320, 240))
    html = write_session_report(folder).read_text(encoding="utf-8")
    assert len(embedded_images(html, "image/jpeg")) == 1


def fake_history(recording: Path, root: Path, today: date) -> None:
    """Sessions Monday/Wednesday/Friday for four weeks up to ``today`` (one week with a single
    session), pain flat at 5 (not improved after three weeks); the last session inside a
    routine's folder."""
    monday = week_start(today) - timedelta(weeks=3)
    days = [monday + timedelta(weeks=w, days=d) for w in range(4) for d in ((0, 2, 4) if w != 1 else (2,))]
    days = [d for d in days if d <= today]
    for n, day in enumerate(days):
        started = datetime.combine(day, datetime.min.time()) + timedelta(hours=18)
        name = f"{started:%Y-%m-%d_%H%M%S}_lunge"
        folder = root / f"{started:%Y-%m-%d_%H%M%S}_daily" / name if n == len(days) - 1 else root / name
        shutil.copytree(recording, folder, ignore=shutil.ignore_patterns("video.avi"))
        meta = json.loads((folder / "meta.json").read_text())
        meta["started_at"] = started.isoformat(timespec="seconds")
        (folder / "meta.json").write_text(json.dumps(meta))
        save_pain(folder, before=5, after=4)
    (root / "notes").mkdir()  # not a recording: left out, and said so


def test_history_counts_weeks_and_advises_on_pain(lunge_recording, tmp_path):
    root = tmp_path / "recordings"
    today = date.today()
    fake_history(lunge_recording, root, today)
    html = write_history(root, tmp_path / "history.html").read_text(encoding="utf-8")
    sessions = sum(1 for p in root.rglob("meta.json"))
    assert f"{sessions} sessions" in html
    assert "notes: not a recording" in html
    assert "class='alert'" in html and "has not improved after 3 weeks of practice" in html
    assert "Please see a physical therapist or a doctor" in html
    assert "002_a5cf285771b240ea.txt" in html and "003_e418d96018aaf0b4.txt" in html
    assert "consult a professional" in html
    plots = embedded_images(html, "image/png")
    assert len(plots) == 4  # weeks, pain, range of motion (lunge), corrections
    assert colour_pixels(plots[0], BAND, tolerance=10) > 3000  # bars of weeks meeting the plan


def test_history_puts_pain_on_the_row_of_the_run_it_was_given_with(tmp_path):
    """Two coach runs ten minutes apart make one practice session; the pain was given with
    the second, so it shows on the second's row and nowhere else."""
    root = tmp_path / "recordings"
    golden = Path(__file__).parent / "data" / "golden_bridge"
    for n, started in enumerate(("2026-11-02T18:00:00", "2026-11-02T18:10:00")):
        folder = root / f"2026-11-02_18{n}000_glute_bridge"
        shutil.copytree(golden, folder)
        meta = json.loads((folder / "meta.json").read_text())
        (folder / "meta.json").write_text(json.dumps(meta | {"started_at": started}))
    save_pain(folder, before=6)
    html = write_history(root, tmp_path / "history.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr><td>(Mon 02 Nov 2026 18:\d\d)</td>.*?</td><td class='num'>\d+</td><td>([^<]*)</td>", html)
    assert rows == [("Mon 02 Nov 2026 18:00", ""), ("Mon 02 Nov 2026 18:10", "6 / –")]


# -- rendered in a browser ---------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium not installed (apt-get install chromium) to render the pages"
)


def screenshot(html: Path, tmp_path: Path, height: int) -> np.ndarray:
    png = tmp_path / f"{html.stem}.png"
    assert CHROMIUM is not None
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'chromium'}",
            f"--window-size=1280,{height}",
            f"--screenshot={png}",
            html.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    image = cv2.imread(str(png))
    assert image is not None and image.shape[:2] == (height, 1280)
    return image


def content_rows(image: np.ndarray) -> np.ndarray:
    """Rows of the screenshot with anything but white on them."""
    return np.where((image < 245).any(axis=(1, 2)))[0]


@needs_chromium
def test_session_report_renders_with_its_plots(lunge_recording, tmp_path):
    out = write_session_report(lunge_recording, tmp_path / "report.html")
    image = screenshot(out, tmp_path, 3000)
    assert colour_pixels(image, LINE) > 1500  # the measured lines, drawn on screen
    assert colour_pixels(image, "#d62728", tolerance=30) > 50  # the correction marker
    rows = content_rows(image)
    assert rows.max() < 2900, "the page is longer than expected: something is repeated"
    # The plot block (where the line colour is) is mostly drawn on, not an empty box.
    ys, xs = np.where(np.abs(image.astype(np.int32) - [168, 95, 31]).max(axis=2) <= 40)
    block = image[ys.min() : ys.max(), xs.min() : xs.max()]
    assert (block < 245).any(axis=2).mean() > 0.08


@needs_chromium
def test_history_renders_with_its_plots(lunge_recording, tmp_path):
    root = tmp_path / "recordings"
    fake_history(lunge_recording, root, date.today())
    out = write_history(root, tmp_path / "history.html")
    image = screenshot(out, tmp_path, 4500)
    assert colour_pixels(image, BAND, tolerance=10) > 2000  # the weekly bars
    assert colour_pixels(image, "#6a3d9a", tolerance=30) > 200  # pain before
    assert colour_pixels(image, LINE) > 300  # range of motion, left side
    assert colour_pixels(image, "#c62828", tolerance=20) > 500  # the advice box's border
