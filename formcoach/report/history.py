"""Progress across sessions: how often, how far, how well, and whether the pain is easing.

The plan and the advice are the sources': mobility work "three to five times per week, for
three to six weeks. If your pain doesn't improve or continues to get worse, consult a
professional" (002_a5cf285771b240ea.txt); "for persistent pain, it's a good idea to see a
medical professional like a physical therapist" (003_e418d96018aaf0b4.txt).

The counting and the pain verdict are small pure functions (tested with hand-made data);
the rest reads recordings and draws.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from html import escape
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from formcoach.errors import FormcoachError
from formcoach.exercises.schema import ExerciseDef, bind_side
from formcoach.measurements import MEASUREMENTS
from formcoach.recording.reader import find_recordings
from formcoach.report import page as p
from formcoach.report.data import SessionData, load_session, metric_label, side_label, side_result
from formcoach.report.pain import load_pain

PLAN_SESSIONS = (3, 5)  # a week
PLAN_WEEKS = (3, 6)
PLAN_SOURCE = "002_a5cf285771b240ea.txt"
THERAPIST_SOURCE = "003_e418d96018aaf0b4.txt"
PLAN_QUOTE = (
    "Try these mobility exercises three to five times per week, for three to six weeks. If your pain "
    "doesn’t improve or continues to get worse, consult a professional, because you could have a more "
    "serious structural issue in the hip."
)
THERAPIST_QUOTE = (
    "At-home care may be enough to treat hip pain that has come out of nowhere, but for the best results "
    "for persistent pain, it’s a good idea to see a medical professional like a physical therapist."
)
PAIN_WEEKS = 3  # "not improved" is only said after this many weeks of practice
# Recordings this close together are one practice session: single exercises done back to
# back are one "time" of the plan's "three to five times per week", as a routine is.
SESSION_GAP = timedelta(hours=1)


# -- pure logic --------------------------------------------------------------------------


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def group_sessions(spans: Sequence[tuple[datetime, datetime]], gap: timedelta = SESSION_GAP) -> list[list[int]]:
    """Indices of ``spans`` (start, end) grouped into practice sessions, in time order: a
    recording starting within ``gap`` of the previous one's end belongs to its session."""
    groups: list[list[int]] = []
    last_end: datetime | None = None
    for index in sorted(range(len(spans)), key=lambda i: spans[i][0]):
        start, end = spans[index]
        if last_end is None or start - last_end > gap:
            groups.append([])
        groups[-1].append(index)
        last_end = end if last_end is None else max(last_end, end)
    return groups


def weekly_counts(days: Iterable[date], today: date) -> list[tuple[date, int]]:
    """Sessions per ISO week (by its Monday), every week from the first session's to
    ``today``'s, weeks without a session included (they break a streak)."""
    counts: dict[date, int] = defaultdict(int)
    for day in days:
        counts[week_start(day)] += 1
    if not counts:
        return []
    week, last = min(counts), max(max(counts), week_start(today))
    out = []
    while week <= last:
        out.append((week, counts.get(week, 0)))
        week += timedelta(weeks=1)
    return out


def plan_streak(counts: Sequence[int], last_week_in_progress: bool, minimum: int = PLAN_SESSIONS[0]) -> int:
    """Weeks in a row, up to the latest, with at least ``minimum`` sessions. A week still in
    progress counts once it meets the plan and does not break the streak before then."""
    weeks = list(counts)
    if last_week_in_progress and weeks and weeks[-1] < minimum:
        weeks.pop()
    streak = 0
    for count in reversed(weeks):
        if count < minimum:
            break
        streak += 1
    return streak


class PainVerdict(StrEnum):
    NO_RATINGS = "no_ratings"
    TOO_EARLY = "too_early"  # not worse, and fewer than PAIN_WEEKS weeks apart
    IMPROVING = "improving"
    PAIN_FREE = "pain_free"  # no pain at the start nor now: nothing to improve
    NOT_IMPROVING = "not_improving"
    WORSE = "worse"


@dataclass(frozen=True)
class PainTrend:
    verdict: PainVerdict
    first_week: date | None = None
    latest_week: date | None = None
    first_mean: float = float("nan")
    latest_mean: float = float("nan")

    @property
    def weeks(self) -> int:
        """Whole weeks between the first and the latest rated week."""
        if self.first_week is None or self.latest_week is None:
            return 0
        return (self.latest_week - self.first_week).days // 7

    @property
    def see_professional(self) -> bool:
        return self.verdict in (PainVerdict.NOT_IMPROVING, PainVerdict.WORSE)


def pain_trend(ratings: Sequence[tuple[date, float]], weeks_needed: int = PAIN_WEEKS) -> PainTrend:
    """Compare the mean pain (0–10) of the first rated week with the latest one's.

    Worse at any distance is said at once (the sources: "continues to get worse"); "not
    improved" only once the two weeks are ``weeks_needed`` apart ("for three to six weeks").
    """
    by_week: dict[date, list[float]] = defaultdict(list)
    for day, value in ratings:
        by_week[week_start(day)].append(value)
    if not by_week:
        return PainTrend(PainVerdict.NO_RATINGS)
    first, latest = min(by_week), max(by_week)
    first_mean, latest_mean = float(np.mean(by_week[first])), float(np.mean(by_week[latest]))
    apart = (latest - first).days // 7
    if latest_mean > first_mean:
        verdict = PainVerdict.WORSE
    elif latest_mean < first_mean:
        verdict = PainVerdict.IMPROVING
    elif latest_mean == 0:
        verdict = PainVerdict.PAIN_FREE
    elif apart >= weeks_needed:
        verdict = PainVerdict.NOT_IMPROVING
    else:
        verdict = PainVerdict.TOO_EARLY
    return PainTrend(verdict, first, latest, first_mean, latest_mean)


# -- reading the recordings --------------------------------------------------------------


@dataclass(frozen=True)
class PracticeSession:
    start: datetime
    end: datetime
    recordings: tuple[SessionData, ...]
    before: int | None
    after: int | None
    # Each recording's own (before, after): pain is given with one coach run or routine, so
    # it belongs on that row, not on the first row of the practice session.
    recording_pain: tuple[tuple[int | None, int | None], ...] = ()

    @property
    def pain(self) -> int | None:
        """The rating the trend follows: before the session (the pain brought to it, not
        the exercise's own after-effect), or after when only that was given."""
        return self.before if self.before is not None else self.after

    def corrections(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for data in self.recordings:
            counts[_name(data)] += len(data.corrections())
        return dict(counts)


def _name(data: SessionData) -> str:
    if data.summary is not None:
        return data.summary.name
    return data.exercise.name if data.exercise else str(data.recording.meta.get("exercise", "?"))


def recordings_and_left_out(recordings_dir: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Every recording under ``recordings_dir`` (a routine's per-exercise sub-folders
    included, even of a killed routine), and the other folders with why they were left out."""
    if not recordings_dir.is_dir():
        raise FormcoachError(f"recordings folder not found: {recordings_dir}")
    found = sorted(find_recordings(recordings_dir))
    holders = set(found) | {folder.parent for folder in found}
    left_out = [
        (entry, "not a recording (no meta.json)")
        for entry in sorted(recordings_dir.iterdir())
        if entry.is_dir() and entry not in holders
    ]
    return found, left_out


def _pain_of(folders: Sequence[Path]) -> tuple[int | None, int | None]:
    """The first "before" and the last "after" given in a session's folders, in time order."""
    ratings = []
    for folder in folders:
        try:
            ratings.append(load_pain(folder))
        except FormcoachError:
            continue  # a damaged pain.json is as good as none
    befores = [r["before"] for r in ratings if r["before"] is not None]
    afters = [r["after"] for r in ratings if r["after"] is not None]
    return (befores[0] if befores else None, afters[-1] if afters else None)


def load_sessions(recordings_dir: Path) -> tuple[list[PracticeSession], list[tuple[Path, str]]]:
    folders, skipped = recordings_and_left_out(recordings_dir)
    loaded: list[SessionData] = []
    for folder in folders:
        try:
            data = load_session(folder)
        except (FormcoachError, OSError, ValueError) as error:
            skipped.append((folder, str(error)))
            continue
        if data.started is None:
            skipped.append((folder, "meta.json has no readable started_at"))
            continue
        loaded.append(data)
    spans = []
    for data in loaded:
        assert data.started is not None
        spans.append((data.started, data.started + timedelta(seconds=data.duration_s)))
    sessions = []
    for group in group_sessions(spans):
        members = tuple(loaded[i] for i in group)
        pain_rows = _pain_folders(members, recordings_dir)
        before, after = _pain_of([where for row in pain_rows for where in row])
        start, end = spans[group[0]][0], max(spans[i][1] for i in group)
        per_row = tuple(_pain_of(row) for row in pain_rows)
        sessions.append(PracticeSession(start, end, members, before, after, per_row))
    return sessions, skipped


def _pain_folders(members: Sequence[SessionData], recordings_dir: Path) -> list[list[Path]]:
    """Where each recording's pain ratings are: its folder, and for the first exercise of a
    routine also the routine's folder (where `formcoach routine --pain` keeps them)."""
    rows: list[list[Path]] = []
    seen: set[Path] = set()
    for data in members:
        routine = data.folder.parent
        first_of_routine = routine != recordings_dir and routine not in seen
        seen.add(routine)
        rows.append([routine, data.folder] if first_of_routine else [data.folder])
    return rows


# -- page --------------------------------------------------------------------------------


def _weeks_figure(weeks: list[tuple[date, int]], today: date) -> Any:
    figure, ax = plt.subplots(figsize=(p.FIGURE_WIDTH_IN, 3.2))
    low, high = PLAN_SESSIONS
    ax.axhspan(low, high, color=p.BAND, alpha=0.13, lw=0)
    x = np.arange(len(weeks))
    counts = [n for _, n in weeks]
    colours = [p.BAND if n >= low else "#b0b0b0" for n in counts]
    bars = ax.bar(x, counts, color=colours, width=0.65)
    current = week_start(today)
    for bar, (week, _) in zip(bars, weeks, strict=True):
        if week == current:
            bar.set_hatch("//")
            bar.set_alpha(0.6)
    ax.set_xticks(x, [f"W{w.isocalendar().week}\n{w:%d %b}" for w, _ in weeks])
    # Room for the plan's six weeks, so one or two bars are not drawn page-wide.
    ax.set_xlim(-0.6, max(len(weeks), PLAN_WEEKS[1]) - 0.4)
    ax.set_ylabel("sessions")
    ax.set_ylim(0, max([high + 1, *counts]) + 0.5)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Practice sessions per week (Monday–Sunday)", loc="left", fontweight="bold")
    handles = [
        Patch(color=p.BAND, alpha=0.3, label=f"plan: {low}–{high} sessions a week"),
        Patch(color=p.BAND, label="week meeting the plan"),
        Patch(color="#b0b0b0", label="fewer sessions"),
        Patch(facecolor="white", edgecolor="#555", hatch="//", label="this week (in progress)"),
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure.tight_layout()
    return figure


def _pain_figure(sessions: list[PracticeSession]) -> Any:
    figure, ax = plt.subplots(figsize=(p.FIGURE_WIDTH_IN, 3.0))
    for label, attr, marker, colour in (("before", "before", "o", "#6a3d9a"), ("after", "after", "s", "#ff7f0e")):
        points = [(s.start, getattr(s, attr)) for s in sessions if getattr(s, attr) is not None]
        if points:
            x = p.dates([t for t, _ in points])
            ax.plot(x, [v for _, v in points], marker=marker, color=colour, label=f"pain {label}")
    p.date_limits(ax, [s.start for s in sessions])
    ax.set_ylim(-0.3, 10.3)
    ax.set_yticks(range(0, 11, 2))
    ax.set_ylabel("pain (0 none – 10 worst)")
    ax.set_title("Pain before and after each session", loc="left", fontweight="bold")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure.tight_layout()
    return figure


def _corrections_figure(sessions: list[PracticeSession]) -> Any:
    figure, ax = plt.subplots(figsize=(p.FIGURE_WIDTH_IN, 3.0))
    names = sorted({name for s in sessions for name, n in s.corrections().items() if n})
    x = np.arange(len(sessions))
    bottom = np.zeros(len(sessions))
    colours = plt.get_cmap("tab10")
    for i, name in enumerate(names):
        heights = np.array([s.corrections().get(name, 0) for s in sessions], dtype=np.float64)
        ax.bar(x, heights, bottom=bottom, width=0.65, color=colours(i % 10), label=name)
        bottom += heights
    # At most ~15 labels: a bar a day for six weeks would print them on top of each other.
    every = -(-len(sessions) // 15)
    ax.set_xticks(x, [f"{s.start:%d %b}\n{s.start:%H:%M}" if i % every == 0 else "" for i, s in enumerate(sessions)])
    ax.set_ylabel("corrections said")
    ax.set_ylim(0, max(1.0, float(bottom.max()) if bottom.size else 1.0) * 1.15)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Corrections per session, by exercise", loc="left", fontweight="bold")
    if names:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    else:
        ax.text(0.5, 0.5, "no corrections in any session", transform=ax.transAxes, ha="center", color="#777")
    figure.tight_layout()
    return figure


@dataclass(frozen=True)
class _Reached:
    when: datetime
    low: float
    high: float


def _rom_figure(exercise: ExerciseDef, recordings: list[SessionData]) -> Any | None:
    """One panel per measurement of ``exercise``: per side, the lowest and highest value
    reached in each session (over counted reps or held time), the good band shaded."""
    templates = list(exercise.metric_names())
    reached: dict[tuple[str, str], list[_Reached]] = defaultdict(list)
    for data in recordings:
        assert data.started is not None
        for series in data.series:
            values = series.reached()
            if values is not None:
                reached[(series.template, series.side)].append(_Reached(data.started, *values))
    templates = [t for t in templates if any(key[0] == t for key in reached)]
    if not templates:
        return None
    figure, axes = plt.subplots(
        len(templates), 1, figsize=(p.FIGURE_WIDTH_IN, 2.5 * len(templates) + 0.4), sharex=True, squeeze=False
    )
    sides = sorted({side for _, side in reached})
    for ax, template in zip(axes[:, 0], templates, strict=True):
        unit = MEASUREMENTS[bind_side(template, sides[0])].unit  # a measurement's unit is the same either side
        for side in sides:
            points = sorted(reached.get((template, side), []), key=lambda r: r.when)
            if not points:
                continue
            colour = p.SIDE_COLOURS.get(side, p.LINE)
            when = p.dates([r.when for r in points])
            ax.fill_between(when, [r.low for r in points], [r.high for r in points], color=colour, alpha=0.12, lw=0)
            # Each session's range as a bar too: a band between two points needs two sessions.
            ax.vlines(when, [r.low for r in points], [r.high for r in points], color=colour, alpha=0.35, lw=3)
            ax.plot(when, [r.high for r in points], marker="o", color=colour, lw=1.6)
            ax.plot(when, [r.low for r in points], marker="o", mfc="white", color=colour, lw=1.2, ls="--")
        bound = exercise.for_side(sides[0])
        for rule in bound.rules:
            if rule.metric == bind_side(template, sides[0]) and not rule.relative:
                ylow, yhigh = ax.get_ylim()
                ax.axhspan(max(rule.minimum, ylow), min(rule.maximum, yhigh), color=p.BAND, alpha=0.13, lw=0)
                ax.set_ylim(ylow, yhigh)
        p.panel_title(ax, metric_label(template), MEASUREMENTS[bind_side(template, sides[0])].description)
        ax.set_ylabel(unit.axis_label)
    p.date_limits(axes[-1, 0], [r.when for points in reached.values() for r in points])
    handles: list[Any] = [
        Line2D([], [], color=p.SIDE_COLOURS.get(side, p.LINE), marker="o", label=f"{side_label(side)}: highest")
        for side in sides
    ]
    handles += [
        Line2D(
            [],
            [],
            color=p.SIDE_COLOURS.get(side, p.LINE),
            marker="o",
            mfc="white",
            ls="--",
            label=f"{side_label(side)}: lowest",
        )
        for side in sides
    ]
    handles.append(Patch(color=p.BAND, alpha=0.3, label="good band (rule)"))
    figure.legend(handles=handles, loc="lower center", ncol=min(5, len(handles)), bbox_to_anchor=(0.5, -0.01))
    figure.tight_layout(rect=(0.0, 0.07 if len(templates) > 1 else 0.14, 1.0, 1.0))
    return figure


def _plan_html(sessions: list[PracticeSession], today: date) -> str:
    weeks = weekly_counts((s.start.date() for s in sessions), today)
    low = PLAN_SESSIONS[0]
    in_progress = bool(weeks) and weeks[-1][0] == week_start(today)
    streak = plan_streak([n for _, n in weeks], in_progress)
    met = sum(1 for _, n in weeks if n >= low)
    html = "<h2>Practice against the plan</h2>\n"
    html += p.figure_img(_weeks_figure(weeks, today), "sessions per week against the plan") + "\n"
    html += (
        f"<p><strong>Current streak: {streak} week{'s' if streak != 1 else ''}</strong> in a row with at least "
        f"{low} sessions. Weeks meeting the plan so far: {met} of the {PLAN_WEEKS[0]}–{PLAN_WEEKS[1]} the plan "
        f"asks for ({len(weeks)} week{'s' if len(weeks) != 1 else ''} since the first session).</p>\n"
        f"<p class='cite'>The plan: “{escape(PLAN_QUOTE.split('. If')[0])}.” ({escape(PLAN_SOURCE)}) "
        f"A session is one routine, or exercises recorded less than {SESSION_GAP.seconds // 60} minutes apart.</p>\n"
    )
    return html


def _advice_html(trend: PainTrend) -> str:
    if not trend.see_professional or trend.first_week is None or trend.latest_week is None:
        return ""
    change = (
        f"average pain {trend.first_mean:.1f}/10 in the week of {trend.first_week:%d %B}, "
        f"{trend.latest_mean:.1f}/10 in the week of {trend.latest_week:%d %B}"
    )
    headline = (
        "Your pain is getting worse."
        if trend.verdict is PainVerdict.WORSE
        else f"Your pain has not improved after {trend.weeks} weeks of practice."
    )
    return (
        f"<div class='alert'><strong>{escape(headline)}</strong> ({escape(change)}.)<br>"
        "Please see a physical therapist or a doctor before you go on. The sources say:"
        f"<blockquote>“{escape(PLAN_QUOTE.split('weeks. ')[1])}”</blockquote>"
        f"<span class='cite'>{escape(PLAN_SOURCE)}</span>"
        f"<blockquote>“{escape(THERAPIST_QUOTE)}”</blockquote>"
        f"<span class='cite'>{escape(THERAPIST_SOURCE)}</span></div>\n"
    )


VERDICT_TEXT = {
    PainVerdict.TOO_EARLY: "Too early to tell: the plan runs {need} weeks before judging ({weeks} so far).",
    PainVerdict.IMPROVING: "Improving: {first:.1f}/10 in the first rated week, {latest:.1f}/10 in the latest.",
    PainVerdict.PAIN_FREE: "No pain reported at the start nor in the latest week.",
    PainVerdict.NOT_IMPROVING: "Not improved after {weeks} weeks: {first:.1f}/10 then, {latest:.1f}/10 now.",
    PainVerdict.WORSE: "Worse: {first:.1f}/10 in the first rated week, {latest:.1f}/10 in the latest.",
}


def _pain_html(sessions: list[PracticeSession], trend: PainTrend) -> str:
    html = "<h2>Pain</h2>\n"
    if trend.verdict is PainVerdict.NO_RATINGS:
        return (
            html + "<p class='note'>No pain ratings yet. Rating pain before each session shows whether it eases.</p>\n"
        )
    html += p.figure_img(_pain_figure(sessions), "pain before and after each session") + "\n"
    text = VERDICT_TEXT[trend.verdict].format(
        need=PAIN_WEEKS, weeks=trend.weeks, first=trend.first_mean, latest=trend.latest_mean
    )
    css = "good" if trend.verdict in (PainVerdict.IMPROVING, PainVerdict.PAIN_FREE) else "note"
    return html + (
        f"<p class='{css}'>{escape(text)} The trend compares the weekly average of the pain rated before each "
        "session (after, where only that was given).</p>\n"
    )


def _rom_html(sessions: list[PracticeSession]) -> str:
    by_exercise: dict[str, list[SessionData]] = defaultdict(list)
    for session in sessions:
        for data in session.recordings:
            if data.exercise is not None:
                by_exercise[data.exercise.id].append(data)
    html = ""
    for recordings in by_exercise.values():
        # The latest recording's exercise: its bands are the ones coached now.
        exercise = recordings[-1].exercise
        assert exercise is not None
        figure = _rom_figure(exercise, recordings)
        if figure is None:
            continue
        html += f"<h3>{escape(exercise.name)}</h3>\n" + p.figure_img(figure, f"range of motion, {exercise.name}") + "\n"
    if not html:
        return ""
    return (
        "<h2>Range of motion</h2>\n<p>For each session: the lowest and the highest value reached on each side, "
        "over counted reps or held time.</p>\n" + html
    )


def _link(report: Path, out: Path) -> str:
    if not report.exists():
        return ""
    href = Path(os.path.relpath(report, out.parent)).as_posix()
    return f"<a href='{escape(href)}'>report</a>"


def _sessions_table(sessions: list[PracticeSession], out: Path) -> str:
    rows = []
    for session in reversed(sessions):
        for i, data in enumerate(session.recordings):
            summary = data.summary
            done = (
                "; ".join(
                    f"{side_label(side)}: {side_result(summary.kind, entry, data.exercise)}"
                    for side, entry in summary.sides.items()
                    if side in data.sides
                )
                if summary is not None
                else ""
            )
            ratings = session.recording_pain[i]
            pain = " / ".join("–" if v is None else str(v) for v in ratings) if ratings != (None, None) else ""
            rows.append(
                [
                    f"{data.started:%a %d %b %Y %H:%M}" if data.started else "",
                    _name(data),
                    done or "nothing counted",
                    str(len(data.corrections())),
                    pain,
                    _link(data.folder / "report.html", out),
                ]
            )
    head = "".join(
        f"<th>{escape(h)}</th>" for h in ("Started", "Exercise", "Done", "Corrections", "Pain before / after", "")
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td>{escape(c)}</td>" for c in row[:3])
        + f"<td class='num'>{escape(row[3])}</td><td>{escape(row[4])}</td><td>{row[5]}</td></tr>"
        for row in rows
    )
    return f"<h2>Sessions</h2>\n<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>\n"


def write_history(recordings_dir: Path, out: Path) -> Path:
    """Write the progress history of every recording under ``recordings_dir`` to ``out``."""
    sessions, skipped = load_sessions(recordings_dir)
    today = date.today()
    html = "<h1>Progress history</h1>\n"
    if not sessions:
        html += f"<p class='note'>No recorded sessions in {escape(str(recordings_dir))} yet.</p>\n"
    else:
        first, last = sessions[0].start, sessions[-1].start
        recordings = sum(len(s.recordings) for s in sessions)
        html += (
            f"<p class='sub'>{len(sessions)} session{'s' if len(sessions) != 1 else ''} ({recordings} recorded "
            f"exercise{'s' if recordings != 1 else ''}) from {first:%d %B %Y} to {last:%d %B %Y}</p>\n"
        )
        ratings = [(s.start.date(), float(s.pain)) for s in sessions if s.pain is not None]
        trend = pain_trend(ratings)
        html += _advice_html(trend)
        html += _plan_html(sessions, today)
        html += _pain_html(sessions, trend)
        html += _rom_html(sessions)
        html += "<h2>Corrections</h2>\n" + p.figure_img(_corrections_figure(sessions), "corrections per session") + "\n"
        html += _sessions_table(sessions, out)
    if skipped:
        items = "".join(f"<li>{escape(path.name)}: {escape(reason)}</li>" for path, reason in skipped)
        html += f"<p class='note'>Left out:</p><ul class='cite'>{items}</ul>\n"
    html += f"<footer>Sources: {escape(PLAN_SOURCE)}, {escape(THERAPIST_SOURCE)}.</footer>"
    return p.write_page(out, "formcoach progress history", html)
