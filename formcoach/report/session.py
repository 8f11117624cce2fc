"""The report of one recorded session: what was done, how the body moved, what was corrected.

Written for the user and for a physiotherapist reading it after the fact: every plot shows
the measurement the coach judged, the good band it judged it against and when it spoke.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from html import escape
from pathlib import Path
from typing import Any, cast

import cv2
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from formcoach.exercises.schema import BOTH, Rule
from formcoach.feedback.overlay import annotate_measurements, annotate_skeleton
from formcoach.feedback.state import still_verdicts
from formcoach.measurements import MEASUREMENTS, Unit
from formcoach.recording.format import VIDEO
from formcoach.report import page as p
from formcoach.report.data import (
    Series,
    SessionData,
    load_session,
    metric_label,
    side_label,
    side_result,
)
from formcoach.summary import HoldSpan, RepRecord
from formcoach.types import Event, EventKind, ImageArray, Pose, Step

THUMB_WIDTH = 480
THUMB_QUALITY = 80
SUBPLOT_HEIGHT_IN = 2.4


def band_text(low: float, high: float, unit: Unit) -> str:
    """The good band as a physiotherapist writes it: ``≥ 40°``, ``≤ 18°``, ``70–115°``."""
    u = unit.symbol
    if np.isfinite(low) and np.isfinite(high):
        return f"{low:.3g}–{high:.3g}{u}"
    if np.isfinite(low):
        return f"≥ {low:.3g}{u}"
    if np.isfinite(high):
        return f"≤ {high:.3g}{u}"
    return "–"


# -- header and summary ------------------------------------------------------------------


def _title(data: SessionData) -> str:
    if data.summary is not None:
        return data.summary.name
    if data.exercise is not None:
        return data.exercise.name
    return str(data.recording.meta.get("exercise", "Session"))


def _header_html(data: SessionData) -> str:
    when = data.started.strftime("%A %d %B %Y, %H:%M") if data.started else "date unknown"
    parts = [when, f"duration {p.duration(data.duration_s)}"]
    source = data.recording.meta.get("source")
    if source:
        parts.append(f"source {source}")
    html = f"<h1>{escape(_title(data))}</h1>\n<p class='sub'>{escape(' · '.join(parts))}</p>\n"
    if data.summary_rebuilt:
        html += (
            "<p class='note'>The session did not finish normally (no summary.json): the summary below is "
            "rebuilt from the recorded events; hold times are the sum of the held spans.</p>\n"
        )
    for note in data.notes:
        html += f"<p class='note'>{escape(note)}</p>\n"
    return html


def _summary_html(data: SessionData) -> str:
    html = "<h2>Summary</h2>\n"
    if data.summary is None:
        return html + "<p class='note'>No summary: the session ended before anything was recorded.</p>\n"
    corrections = data.corrections()
    rows = []
    for side, entry in data.summary.sides.items():
        said = sum(1 for e in corrections if e.side == side)
        # A side begun but never past setup is not a failure.
        done = side_result(data.summary.kind, entry, data.exercise) if side in data.sides else "not started"
        rows.append([side_label(side), done, str(said)])
    html += p.table(["Side", "Done", "Corrections"], rows, numeric=frozenset({2}))
    before, after = data.pain.get("before"), data.pain.get("after")
    if before is not None or after is not None:
        shown = [f"{label} {value}/10" for label, value in (("before", before), ("after", after)) if value is not None]
        html += f"<p><strong>Pain</strong> (0 none … 10 worst): {escape(', '.join(shown))}</p>\n"
    return html


# -- plots -------------------------------------------------------------------------------


def _rules(data: SessionData, side: str) -> dict[str, Rule]:
    assert data.exercise is not None
    return {rule.id: rule for rule in data.exercise.for_side(side).rules}


def _rep_metric(data: SessionData, side: str) -> str | None:
    assert data.exercise is not None
    reps = data.exercise.for_side(side).reps
    return reps.metric if reps else None


def _value_at(series: Series, t: float) -> float:
    finite = np.isfinite(series.values)
    if not finite.any():
        return float("nan")
    return float(np.interp(t, series.t[finite], series.values[finite]))


def _limits(series: Series) -> tuple[float, float]:
    finite = series.values[np.isfinite(series.values)]
    edges = [b for band in series.bands for b in (band.low, band.high) if np.isfinite(b)]
    points = np.concatenate([finite, np.array(edges, dtype=np.float64)])
    if not points.size:
        return 0.0, 1.0
    low, high = float(points.min()), float(points.max())
    margin = max(0.12 * (high - low), series.unit.plot_margin)
    return low - margin, high + margin


@dataclass(frozen=True)
class _SideMarks:
    """What is marked on every panel of one side's figure: the checker's counts, holds and
    corrections, the rules and the rep thresholds."""

    reps: tuple[RepRecord, ...]
    holds: tuple[HoldSpan, ...]
    partials: list[float]
    pauses: list[float]
    fails: list[Event]
    rules: dict[str, Rule]
    rep_metric: str | None
    thresholds: tuple[float, ...]

    @classmethod
    def of(cls, data: SessionData, side: str) -> _SideMarks:
        summary = data.summary
        events = [e for e in data.events if e.side == side]
        reps_spec = data.exercise.reps if data.exercise is not None else None
        return cls(
            reps=summary.reps_of(side) if summary else (),
            holds=summary.holds_of(side) if summary else (),
            partials=[e.t for e in events if e.kind is EventKind.REP_PARTIAL],
            pauses=[e.t for e in events if e.kind is EventKind.HOLD_PAUSE],
            fails=[e for e in events if e.kind is EventKind.RULE_FAIL],
            rules=_rules(data, side),
            rep_metric=_rep_metric(data, side),
            thresholds=(reps_spec.start, reps_spec.end) if reps_spec is not None else (),
        )


def _draw_bands(ax: Any, s: Series, low: float, high: float, marks: _SideMarks, used: dict[str, Any]) -> None:
    for band in s.bands:
        ax.axhspan(max(band.low, low), min(band.high, high), color=p.BAND, alpha=0.13, lw=0)
        used["band"] = Patch(color=p.BAND, alpha=0.3, label="good band (rule)")
        if band.rule.target is not None:
            ax.axhline(band.rule.target, color=p.BAND, lw=1.2, ls="--")
            used["target"] = Line2D([], [], color=p.BAND, ls="--", label="target")
    if s.name == marks.rep_metric and marks.thresholds:
        for threshold in marks.thresholds:
            ax.axhline(threshold, color=p.REP, lw=0.9, ls=":")
        used["thresholds"] = Line2D([], [], color=p.REP, ls=":", label="rep start / end threshold")


def _draw_events(ax: Any, s: Series, marks: _SideMarks, used: dict[str, Any]) -> None:
    for hold in marks.holds:
        ax.axvspan(hold.start_s, hold.end_s, ymin=0.0, ymax=0.05, color=p.HOLD, lw=0)
        used["hold"] = Patch(color=p.HOLD, label="holding (strip at the bottom)")
    for t in marks.pauses:
        ax.axvline(t, color=p.PAUSE, lw=1.2, ls="--")
        used["pause"] = Line2D([], [], color=p.PAUSE, ls="--", label="hold paused")
    for rep in marks.reps:
        ax.axvline(rep.end_s, color=p.REP, lw=0.9)
        used["rep"] = Line2D([], [], color=p.REP, label="rep counted")
    for t in marks.partials:
        ax.axvline(t, color=p.REP, lw=0.9, ls=(0, (1, 2)))
        used["partial"] = Line2D([], [], color=p.REP, ls=(0, (1, 2)), label="partial rep (not counted)")
    for event in marks.fails:
        rule = marks.rules.get(event.key)
        if rule is not None and rule.metric == s.name:
            ax.plot([event.t], [_value_at(s, event.t)], marker="v", ms=10, color=p.CORRECTION, ls="none", clip_on=False)
            used["fail"] = Line2D([], [], marker="v", ms=9, color=p.CORRECTION, ls="none", label="correction said")


def _draw_panel(ax: Any, s: Series, marks: _SideMarks, used: dict[str, Any]) -> None:
    """One measurement over the side: its bands, the checker's marks and the measured line."""
    low, high = _limits(s)
    _draw_bands(ax, s, low, high, marks, used)
    _draw_events(ax, s, marks, used)
    ax.plot(s.t, s.values, color=p.LINE, lw=1.8)
    used.setdefault("line", Line2D([], [], color=p.LINE, lw=1.8, label="measured"))
    if not np.isfinite(s.values).any():
        ax.text(0.5, 0.5, "not measured: landmarks not visible", transform=ax.transAxes, ha="center", color="#777")
    ax.set_ylim(low, high)
    ax.set_ylabel(s.unit.axis_label)
    p.panel_title(ax, metric_label(s.name), MEASUREMENTS[s.name].description)


def _side_figure(data: SessionData, side: str) -> Any:
    series = [s for s in data.series if s.side == side]
    marks = _SideMarks.of(data, side)
    reps = marks.reps
    figure, axes = plt.subplots(
        len(series), 1, figsize=(p.FIGURE_WIDTH_IN, SUBPLOT_HEIGHT_IN * len(series) + 0.6), sharex=True, squeeze=False
    )
    used: dict[str, Any] = {}
    for ax, s in zip(axes[:, 0], series, strict=True):
        _draw_panel(ax, s, marks, used)
    top = axes[0, 0]
    for rep in reps:
        top.annotate(
            str(rep.rep),
            (rep.end_s, 0.98),
            xycoords=("data", "axes fraction"),
            fontsize=9,
            color="#444",
            ha="center",
            va="top",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"},
        )
    bottom = axes[-1, 0]
    bottom.set_xlabel("time in session (m:ss)")
    bottom.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: p.clock(x).split(".")[0]))
    order = ["line", "band", "target", "thresholds", "rep", "partial", "hold", "pause", "fail"]
    handles = [used[k] for k in order if k in used]
    figure.legend(handles=handles, loc="lower center", ncol=min(5, len(handles)), bbox_to_anchor=(0.5, -0.01))
    figure.tight_layout(rect=(0.0, 0.06 if len(handles) <= 5 else 0.09, 1.0, 1.0), h_pad=1.6)
    return figure


def _plots_html(data: SessionData) -> str:
    if not data.series:
        return ""
    html = "<h2>Measurements over time</h2>\n"
    for side in data.sides:
        figure = _side_figure(data, side)
        if len(data.sides) > 1 or side != BOTH:
            html += f"<h3>{escape(side_label(side))}</h3>\n"
        html += p.figure_img(figure, f"measurements over time, {side_label(side)}") + "\n"
    return html


# -- range of motion ---------------------------------------------------------------------


def _rep_peaks(data: SessionData, side: str) -> tuple[Series, list[float]] | None:
    """The rep measurement's furthest value in each counted rep of ``side``, read from the
    re-measured series (not the events) so it matches the plot even if the file changed."""
    assert data.exercise is not None
    reps = data.exercise.for_side(side).reps
    series = next((s for s in data.series if s.side == side and reps and s.name == reps.metric), None)
    if reps is None or series is None or data.summary is None:
        return None
    peaks = []
    for rep in data.summary.reps_of(side):
        inside = (series.t >= rep.start_s) & (series.t <= rep.end_s) & np.isfinite(series.values)
        if inside.any():
            values = series.values[inside]
            peaks.append(float(values.max() if reps.increasing else values.min()))
    return (series, peaks) if peaks else None


def _peaks_html(data: SessionData) -> str:
    """Each counted rep's deepest point: what a physiotherapist asks of a lunge or a squat."""
    if data.exercise is None or data.exercise.reps is None:
        return ""
    lines = []
    for side in data.sides:
        found = _rep_peaks(data, side)
        if found is None:
            continue
        series, peaks = found
        best = max(peaks) if data.exercise.reps.increasing else min(peaks)
        shown = ", ".join(series.unit.written(v) for v in peaks)
        lines.append(
            f"<li>{escape(side_label(side))}: {escape(metric_label(series.name).lower())}, furthest point of each "
            f"rep: {escape(shown)} (best {escape(series.unit.written(best))})</li>"
        )
    return f"<p>Depth of each counted rep:</p><ul>{''.join(lines)}</ul>\n" if lines else ""


def _rom_html(data: SessionData) -> str:
    if not data.series:
        return ""
    rows = []
    for s in data.series:
        reached = s.reached()
        bands = "; ".join(band_text(b.low, b.high, s.unit) for b in s.bands) or "–"
        low, high = (s.unit.written(v) for v in reached) if reached else ("–", "–")
        rows.append([metric_label(s.name), side_label(s.side), low, high, bands, s.active_label])
    return (
        "<h2>Range of motion reached</h2>\n"
        + p.table(["Measurement", "Side", "Lowest", "Highest", "Good band", "Read over"], rows, frozenset({2, 3}))
        + _peaks_html(data)
    )


# -- corrections -------------------------------------------------------------------------


def _frame_positions(data: SessionData, times: list[float]) -> dict[float, int]:
    """The recorded pose nearest each time, by its position in the poses (also in a routine,
    whose clock does not start at 0, and with a camera, whose frame rate wanders)."""
    t = np.array([pose[0] for pose in data.recording.poses], dtype=np.float64)
    if not t.size:
        return {}
    return {time: int(np.argmin(np.abs(t - time))) for time in times}


def _scaled(pose: Pose, size: tuple[int, int]) -> Pose:
    """The pose in the pixels of the recorded video, which may be smaller than the source."""
    sx, sy = size[0] / pose.image_wh[0], size[1] / pose.image_wh[1]
    return Pose(pose.t, pose.frame_index, pose.xy * np.array([sx, sy]), pose.visibility, size, pose.world)


def _annotate(data: SessionData, image: ImageArray, step: Step, t: float) -> ImageArray:
    """The skeleton the coach saw (smoothed, as it judged it) and, at each measured joint, the
    value it measured, coloured by band."""
    if step.pose is None:
        return image
    height, width = image.shape[:2]
    shown = _scaled(step.pose, (width, height))
    image = annotate_skeleton(image, shown)
    side = next((e.side for e in data.events if e.t == t and e.kind is EventKind.RULE_FAIL), "")
    if data.exercise is None or not side:
        return image
    exercise = data.exercise.for_side(side)
    # A relative rule's band is an offset from the user's start: its absolute colour would lie.
    exercise = replace(exercise, rules=tuple(r for r in exercise.rules if not r.relative))
    # The checker's values (from the pose in source pixels); drawn on the video.
    return annotate_measurements(image, shown, step.metrics, exercise, still_verdicts(exercise, step.metrics))


def _thumbnails(data: SessionData, times: list[float]) -> dict[float, bytes]:
    """A JPEG of the video at each time, with the skeleton the coach saw drawn on it."""
    video = data.folder / VIDEO
    positions = _frame_positions(data, times)
    if not video.exists() or not positions:
        return {}
    shown_by = data.recording.video_index  # frames dropped from the video show the one before
    wanted: dict[int, list[tuple[float, int]]] = {}
    for t, position in positions.items():
        wanted.setdefault(shown_by[position], []).append((t, position))
    capture = cv2.VideoCapture(str(video))
    found: dict[float, bytes] = {}
    try:
        # Reading straight through: a video cut off by a crash may not seek reliably.
        for index in range(max(wanted) + 1):
            if not capture.grab():
                break
            if index not in wanted:
                continue
            ok, read = capture.retrieve()
            if ok:
                found.update(_thumbnail(data, cast(ImageArray, read), wanted[index]))
    finally:
        capture.release()
    return found


def _thumbnail(data: SessionData, image: ImageArray, wanted: list[tuple[float, int]]) -> dict[float, bytes]:
    """``image`` annotated with the first wanted pose, as a JPEG for each wanted time."""
    height, width = image.shape[:2]
    t, position = wanted[0]
    if position < len(data.steps):
        image = _annotate(data, image, data.steps[position], t)
    thumb = cv2.resize(image, (THUMB_WIDTH, round(height * THUMB_WIDTH / width)), interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", thumb, [cv2.IMWRITE_JPEG_QUALITY, THUMB_QUALITY])
    return {t: jpeg.tobytes() for t, _ in wanted} if ok else {}


def _correction_detail(data: SessionData, event: Event) -> str:
    if data.exercise is None:
        return ""
    rule = _rules(data, event.side).get(event.key) if event.side else None
    if rule is None:
        return ""
    unit = MEASUREMENTS[rule.metric].unit
    detail = f"{metric_label(rule.metric)}: good band {band_text(rule.minimum, rule.maximum, unit)}"
    if rule.relative:
        detail += " from the starting value"
    value = event.data.get("value")
    if isinstance(value, int | float):
        detail += f", measured {unit.written(float(value))}" + (" from the start" if rule.relative else "")
    return detail


def _corrections_html(data: SessionData) -> str:
    corrections = data.corrections()
    html = "<h2>Corrections</h2>\n"
    if not corrections:
        return html + "<p class='good'>No corrections were needed.</p>\n"
    thumbs = _thumbnails(data, [e.t for e in corrections])
    for event in corrections:
        thumb = thumbs.get(event.t)
        picture = p.data_img(thumb, "image/jpeg", f"video at {p.clock(event.t)}") if thumb else ""
        side = f" · {side_label(event.side)}" if event.side and event.side != BOTH else ""
        html += (
            f"<div class='correction'>{picture}<div>"
            f"<div class='time'>{escape(p.clock(event.t))}{escape(side)}</div>"
            f"<div>“{escape(event.message)}”</div>"
            f"<div class='rule'>rule {escape(event.key)}</div>"
            f"<div class='cite'>{escape(_correction_detail(data, event))}</div>"
            "</div></div>\n"
        )
    return html


def write_session_report(folder: Path, out: Path | None = None) -> Path:
    """Write the HTML report of the recording in ``folder`` (default ``folder/report.html``)."""
    data = load_session(folder)
    body = _header_html(data) + _summary_html(data) + _plots_html(data) + _rom_html(data) + _corrections_html(data)
    body += (
        "<footer>Measured again from the recorded poses with the exercise file's rules. "
        "Angles are read from the camera image unless marked 3-D.</footer>"
    )
    return p.write_page(out or folder / "report.html", f"{_title(data)} — formcoach session", body)
