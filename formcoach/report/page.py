"""What both pages share: one stylesheet, self-contained images, the plot style.

Every page is a single HTML file with its images inlined as base64, so it can be mailed to a
physiotherapist or opened from a USB stick; it loads nothing and runs no script.
"""

from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import numpy.typing as npt

# Reports are written without a display (and from worker threads): never pick a GUI backend.
matplotlib.use("Agg")

import matplotlib.pyplot as plt

from formcoach.files import write_text_atomic

LINE = "#1f5fa8"  # measured values
BAND = "#2ca02c"  # the rule's good band
CORRECTION = "#d62728"
REP = "#7f7f7f"
HOLD = "#9ecae1"
PAUSE = "#ff7f0e"
SIDE_COLOURS = {"left": "#1f5fa8", "right": "#e6550d", "both": "#1f5fa8"}
FIGURE_WIDTH_IN = 10.0
DPI = 110

plt.rcParams.update(
    {
        "font.size": 10,
        "axes.titlesize": 11,
        "axes.labelsize": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#e5e5e5",
        "legend.fontsize": 9,
        "legend.frameon": False,
        # Dates as "Nov 21", with the time of day only where sessions share a day.
        "date.converter": "concise",
    }
)

STYLE = """
body { font-family: -apple-system, "Segoe UI", "DejaVu Sans", Arial, sans-serif; color: #222;
       margin: 0; background: #fff; line-height: 1.45; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 28px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
.sub { color: #555; margin: 0 0 16px; }
.note { background: #f4f6f8; border-left: 4px solid #8a9ba8; padding: 8px 12px; margin: 12px 0; }
.alert { background: #fdecea; border: 2px solid #c62828; border-radius: 6px; padding: 12px 16px;
         margin: 16px 0; font-size: 16px; }
.alert strong { color: #b71c1c; }
.good { background: #edf7ed; border-left: 4px solid #2e7d32; padding: 8px 12px; margin: 12px 0; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 14px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 5px 12px 5px 0; text-align: left; vertical-align: top; }
th { color: #555; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
img.plot { width: 100%; height: auto; display: block; margin: 4px 0 8px; }
.correction { display: flex; gap: 16px; align-items: flex-start; margin: 10px 0; padding: 8px 0;
              border-bottom: 1px solid #eee; }
.correction img { width: 400px; height: auto; border-radius: 4px; flex: none; }
.correction .time { font-weight: 600; font-size: 16px; }
.rule { font-family: "DejaVu Sans Mono", monospace; font-size: 13px; color: #555; }
.cite { font-size: 13px; color: #555; }
blockquote { margin: 6px 0 6px 12px; padding-left: 10px; border-left: 3px solid #c62828; font-style: italic; }
footer { margin-top: 40px; font-size: 12px; color: #777; }
"""


def page(title: str, body: str) -> str:
    """A whole HTML document; ``title`` is escaped here, ``body`` must already be."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body><main>\n{body}\n</main></body>\n</html>\n"
    )


def figure_img(figure: Any, alt: str) -> str:
    """An <img> with ``figure`` inlined as PNG; the figure is closed (pyplot keeps it otherwise)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    plt.close(figure)
    return data_img(buffer.getvalue(), "image/png", alt, "plot")


def data_img(data: bytes, mime: str, alt: str, css_class: str = "") -> str:
    encoded = base64.b64encode(data).decode("ascii")
    css = f' class="{css_class}"' if css_class else ""
    return f'<img{css} alt="{escape(alt)}" src="data:{mime};base64,{encoded}">'


def write_page(out: Path, title: str, body: str) -> Path:
    """Write atomically, so a browser refreshing the page never sees half of it, and
    privately (0600): a report shows frames of the person exercising."""
    write_text_atomic(out, page(title, body))
    return out


def table(header: list[str], rows: list[list[str]], numeric: frozenset[int] = frozenset()) -> str:
    """A table of plain-text cells (escaped here); columns in ``numeric`` are right-aligned."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{escape(c)}</td>' if i in numeric else f"<td>{escape(c)}</td>" for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def panel_title(ax: Any, title: str, convention: str) -> None:
    """A plot's name in bold, and under it the measurement's convention (what 0 means),
    so a plot cut out of the page still says how to read it."""
    lines = textwrap.wrap(convention, 130)
    ax.set_title(title, loc="left", fontweight="bold", pad=6 + 11 * len(lines))
    ax.text(0.0, 1.02, "\n".join(lines), transform=ax.transAxes, fontsize=8.5, color="#555", va="bottom")


def dates(when: Sequence[datetime]) -> npt.NDArray[np.datetime64]:
    """Datetimes as matplotlib plots them, labelled concisely (see ``date.converter``)."""
    return np.array(when, dtype="datetime64[s]")


def date_limits(ax: Any, when: Sequence[datetime]) -> None:
    """Frame the sessions closely: matplotlib would spread a single date over years."""
    if not when:
        return
    first, last = min(when), max(when)
    pad = max((last - first) * 0.05, timedelta(hours=1))
    ax.set_xlim(dates([first - pad, last + pad]))


def clock(seconds: float) -> str:
    """``83.4`` → ``1:23.4``: session times as a physiotherapist reads a stopwatch."""
    minutes, rest = divmod(max(0.0, seconds), 60.0)
    return f"{int(minutes)}:{rest:04.1f}"


def duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"
