"""The exercise library as one Markdown page (docs/exercises.md): for every exercise, what its
sources say and which rule checks each cue (or why none can), its rules and its spoken advice.
Generated from the files by `formcoach exercises table`, so the page cannot drift from them."""

from __future__ import annotations

import re

from formcoach.exercises.schema import ExerciseDef, Kind, Rule
from formcoach.safety import SAFETY_NOTE, WARM_UP

HEADER = f"""# The exercise library

Generated from `exercises/*.toml` by `formcoach exercises table --out docs/exercises.md`; a test
regenerates it and fails if this page differs. Each exercise lists what its sources say (quoted
word for word), which rules or which part of the file checks each cue, and why a cue no camera
can judge stays spoken advice.

**Safety.** {SAFETY_NOTE} {WARM_UP}
"""


def band_text(rule: Rule) -> str:
    """The good band as a person reads it: ``72 … 135``, ``−∞ … 20``."""
    return f"{rule.minimum:g} … {rule.maximum:g}".replace("-inf", "−∞").replace("inf", "∞")


def dose_text(exercise: ExerciseDef) -> str:
    """How much of it: the hold's time, the reps or the circles, with the sets."""
    if exercise.hold:
        hold = exercise.hold
        time = f"hold {hold.min_s:g} s" if hold.max_s == hold.min_s else f"hold {hold.min_s:g}–{hold.max_s:g} s"
        return f"{hold.sets} × {time}" if hold.sets > 1 else time
    if exercise.reps:
        return f"{exercise.reps.sets} × {exercise.reps.target} reps"
    if exercise.cycles:
        return f"{exercise.cycles.sets} × {exercise.cycles.target} circles each way"
    return ""


def _cell(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().replace("|", "\\|")


def _rule_line(rule: Rule, kind: Kind) -> str:
    cues = " / ".join(c for c in (rule.cue_below, rule.cue_above) if c)
    blocks = "; stops the clock" if kind is Kind.HOLD else "; the rep is not counted"
    when = ", ".join(rule.phases) + (blocks if rule.blocking else "")
    relative = " (from the user's own start)" if rule.relative else ""
    return f"| `{rule.id}` | `{rule.metric}` | {band_text(rule)}{relative} | {when} | {_cell(cues)} |"


def exercise_markdown(exercise: ExerciseDef) -> str:
    lines = [
        f"## {exercise.name} (`{exercise.id}`)",
        "",
        f"{exercise.kind.value}, {exercise.view.value} view, sides: {', '.join(exercise.sides)}; "
        f"{dose_text(exercise)}. Sources: {', '.join(exercise.sources)}.",
        "",
    ]
    if exercise.description:
        lines += [_cell(exercise.description), ""]
    if exercise.source_cues:
        lines += ["| the source says | checked by | not measured, or only partly, because |", "|---|---|---|"]
        lines += [
            f"| {_cell(c.says)} | {', '.join(f'`{name}`' for name in c.checked_by) or 'advice only'} | {_cell(c.why)} |"
            for c in exercise.source_cues
        ]
        lines.append("")
    else:
        lines += ["No source cues quoted yet.", ""]
    if exercise.rules:
        lines += ["| rule | measurement | good band | judged | cue |", "|---|---|---|---|---|"]
        lines += [_rule_line(rule, exercise.kind) for rule in exercise.rules]
        lines.append("")
    lines += [f"- Advice: {_cell(item)}" for item in exercise.advice]
    return "\n".join(lines).rstrip() + "\n"


def library_markdown(library: dict[str, ExerciseDef]) -> str:
    """The whole page: the header, then each exercise in id order."""
    return "\n".join([HEADER, *(exercise_markdown(exercise) for _, exercise in sorted(library.items()))])
