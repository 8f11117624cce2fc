"""Measuring and scoring: `angles`, `bench`, `eval`."""

from __future__ import annotations

import csv
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from formcoach.errors import FormcoachError
from formcoach.exercises.loader import find_exercise, load_library
from formcoach.measurements import MEASUREMENTS
from formcoach.pose.models import resolve_model
from formcoach.runner import measure_frames
from formcoach.sources import VideoFileSource

if TYPE_CHECKING:
    from formcoach.bench import BenchReport, RunFigures
    from formcoach.evaluation.score import ClipScore
    from formcoach.evaluation.variants import FootageVariant
    from formcoach.exercises.schema import ExerciseDef

from formcoach.cli.common import (
    ModelOption,
    app,
    console,
    err_console,
    file_to_write,
    folder_to_write,
    pose_estimator,
    progress_bar,
    safe_text,
)


@app.command()
def angles(
    source: Annotated[Path, typer.Option("--source", help="Video file to measure.")],
    csv_out: Annotated[
        Path | None,
        typer.Option("--csv", help="Write one row per frame here (default: stdout).", callback=file_to_write),
    ] = None,
    names: Annotated[
        str | None,
        typer.Option(
            "--measure", help="Comma-separated measurement names (default: all; see `formcoach measurements`)."
        ),
    ] = None,
    model: ModelOption = "full",
) -> None:
    """Measure every frame of a clip: one CSV row per frame with each measurement in degrees or ratios.

    NaN means the landmarks for that measurement were not visible enough.

    Example: `formcoach angles --source clip.mp4 --measure left_knee_flexion,trunk_lean --csv angles.csv`
    """
    wanted = tuple(n.strip() for n in names.split(",")) if names else tuple(MEASUREMENTS)
    unknown = [n for n in wanted if n not in MEASUREMENTS]
    if unknown:
        raise FormcoachError(f"unknown measurement {unknown[0]!r}; `formcoach measurements` lists them")
    model_path = resolve_model(model)
    with VideoFileSource(source) as video, pose_estimator(model_path) as estimator:
        out = csv_out.open("w", newline="") if csv_out else sys.stdout
        try:
            writer = csv.writer(out)
            writer.writerow(["frame", "t", "detected", "facing", *wanted])
            detected = 0
            with progress_bar(f"Measuring {video.name}", video.frame_count) as progress:
                for frame, pose, metrics in measure_frames(video, estimator, wanted):
                    detected += pose is not None
                    row = [frame.index, f"{frame.t:.4f}", int(pose is not None), metrics.facing.value]
                    writer.writerow(row + [f"{metrics.values[n]:.2f}" for n in wanted])
                    progress.advance(progress.task_ids[0])
                    total = frame.index + 1
        finally:
            if csv_out:
                out.close()
    if csv_out:
        console.print(
            f"{total} frames, person found in {detected} ({100 * detected / max(1, total):.0f}%) → {safe_text(csv_out)}"
        )


@app.command()
def bench(
    source: Annotated[Path, typer.Option("--source", help="Clip to benchmark on.")],
    exercise_id: Annotated[str, typer.Option("--exercise", help="Exercise to coach the clip as.")] = "squat",
    frames: Annotated[int, typer.Option(help="At most this many frames (decoded into memory first).")] = 600,
    repeats: Annotated[int, typer.Option(min=1, help="Runs of each figure; the worst is reported.")] = 5,
    soak: Annotated[
        float | None, typer.Option(min=0.1, help="Instead: coach the clip, looped, for this many minutes.")
    ] = None,
    model: ModelOption = "full",
) -> None:
    """Speed and memory of the whole coach on one clip, each figure the worst of several runs.

    Times each stage per frame, compares the full pipeline's throughput with the bare pose
    landmarker's on the same frames (target ≥ 0.90), the largest frame gap while the coach
    speaks (target ≤ 2 frame intervals), and re-analysis of the recorded poses without a
    model against real time (target ≥ 200×). `--soak MINUTES` instead coaches the clip in a
    loop and reports memory growth after warm-up (target < 50 MB) and per-frame time drift.

    Example: `formcoach bench --source clip.mp4 --exercise glute_bridge --repeats 3`
    """
    model_path = resolve_model(model)
    exercise = find_exercise(exercise_id)
    with VideoFileSource(source) as video:
        if soak is not None:
            _soak(exercise, video, model_path, soak, frames)
            return
        console.print(
            f"Benchmarking {video.name} as {exercise.name} ({min(frames, video.frame_count or frames)} frames,"
            f" worst of {repeats} runs)…"
        )
        from formcoach.bench import run_bench

        report = run_bench(exercise, video, lambda: pose_estimator(model_path), frames, repeats)
    _print_bench(report)


def _print_bench(report: BenchReport) -> None:
    table = Table("stage", "ms / frame")
    for stage, ms in report.ms_per_frame.items():
        table.add_row(stage, f"{ms:.2f}")
    console.print(table)

    def each(figure: Callable[[RunFigures], float], form: str) -> str:
        return ", ".join(format(figure(run), form) for run in report.runs)

    worst = report.worst
    console.print(f"bare landmarker {worst.bare_fps:.1f} fps · full pipeline {worst.full_fps:.1f} fps (worst runs)")
    ratios = each(lambda run: run.throughput_ratio, ".3f")
    console.print(f"throughput ratio (full / bare): {report.worst_throughput_ratio:.3f} worst (runs: {ratios})")
    console.print(
        f"frame → decision latency: p50 {worst.latency_p50_ms:.1f} ms, p95 {worst.latency_p95_ms:.1f} ms (worst)"
    )
    gaps = each(lambda run: run.speech_gap_intervals, ".2f")
    console.print(
        f"largest frame gap while speaking: {worst.speech_gap_intervals:.2f} frame intervals worst"
        f" ({worst.utterances} utterances; runs: {gaps})"
    )
    console.print(f"re-analysis from recorded poses: {worst.reanalysis_x_realtime:.0f}× real time (worst)")
    if report.peak_rss_mb is not None and report.coach_rss_mb is not None:
        console.print(
            f"peak memory (RSS): {report.peak_rss_mb:.0f} MB, of which the decoded clip held for the benchmark"
            f" {report.clip_in_memory_mb:.0f} MB: the coach itself ~{report.coach_rss_mb:.0f} MB"
        )
    _print_verdicts(report.verdicts())


def _print_verdicts(verdicts: dict[str, bool]) -> None:
    for target, met in verdicts.items():
        console.print(f"{'[green]MET[/]' if met else '[red]MISSED[/]'}  {target}")


def _soak(exercise: ExerciseDef, video: VideoFileSource, model_path: Path, minutes: float, frames: int) -> None:
    from formcoach.soak import GROWTH_TARGET_MB, run_soak

    console.print(f"Soaking: {exercise.name} on {video.name}, looped, for {minutes:g} minutes…")
    report = run_soak(exercise, video, lambda: pose_estimator(model_path), minutes, frames)
    table = Table("until", "memory (RSS)", "ms / frame")
    for window in report.windows:
        rss = "–" if window.rss_mb is None else f"{window.rss_mb:.0f} MB"
        table.add_row(f"{window.end_s:.0f} s", rss, f"{window.frame_ms:.1f}")
    console.print(table)
    console.print(f"{report.frames} frames in {report.sessions} sessions; the first window is warm-up")
    growth = report.growth_mb
    console.print(f"memory growth after warm-up: {'–' if growth is None else f'{growth:.1f} MB'}")
    console.print(f"per-frame time drift after warm-up: {report.drift_percent:+.1f} %")
    _print_verdicts({f"memory growth < {GROWTH_TARGET_MB:g} MB": growth is not None and growth < GROWTH_TARGET_MB})


@app.command("eval")
def evaluate(
    labels: Annotated[Path, typer.Argument(help="A labels.toml (see ../shared/clips/README.md for the format).")],
    only: Annotated[str | None, typer.Option("--only", help="Only clips coached as this exercise.")] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write every score here as JSON.", callback=file_to_write)
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Parallel processes (default: one per core).")] = None,
    model: ModelOption = "full",
    poses: Annotated[
        Path | None,
        typer.Option(
            "--poses",
            help="Keep each clip's estimated poses in this folder and reuse them next time: "
            "re-scoring after editing exercise files then takes seconds, not minutes.",
            callback=folder_to_write,
        ),
    ] = None,
    frame_step: Annotated[
        int,
        typer.Option(
            "--frame-step",
            min=1,
            help="Coach every n-th frame only: the footage as a slower camera, or a machine that "
            "keeps up with fewer frames a second, would give it.",
        ),
    ] = 1,
    mirror: Annotated[
        bool,
        typer.Option(
            "--mirror",
            help="Coach each clip in the mirror: the same movement filmed from the body's other "
            "side (labels and ground truth mirrored to match).",
        ),
    ] = False,
) -> None:
    """Score the coach against labelled footage: reps, holds, corrections, angles.

    Every usable clip with a `coach_as` exercise is coached headless (no window, no sound, no
    recording) exactly as a live session; clips without one are listed as skipped.
    `--frame-step` and `--mirror` ask the same of footage nobody filmed: other frame rates and
    the other side of the body.

    Example: `formcoach eval ../shared/renders-wide/labels.toml --poses ~/.cache/formcoach-poses`
    """
    from dataclasses import asdict

    from formcoach.evaluation.variants import FootageVariant

    variant = FootageVariant(frame_step, mirror)
    if not variant.is_original:
        console.print(f"Footage: {variant.describe()}")
    scores, errors = _scored_clips(labels, only, resolve_model(model), workers, poses, variant)
    _print_clip_table(scores)
    _print_exercise_table(scores)
    _print_eval_figures(scores)
    _print_clip_details(scores)
    for file, message in errors:
        err_console.print(f"[red]failed[/] {safe_text(file)}: {safe_text(message)}")
    if json_out:
        from formcoach.evaluation.score import aggregate
        from formcoach.files import write_json

        write_json(
            {"clips": [asdict(s) for s in scores], "overall": asdict(aggregate(scores)), "errors": errors}, json_out
        )
    if errors:
        raise typer.Exit(1)


def _scored_clips(
    labels: Path,
    only: str | None,
    model_path: Path,
    workers: int | None,
    poses: Path | None,
    variant: FootageVariant,
) -> tuple[list[ClipScore], list[tuple[str, str]]]:
    """Every usable clip (of ``only``) coached and scored, and the clips that failed to run."""
    from formcoach.evaluation.labels import load_labels
    from formcoach.evaluation.runner import evaluate_clips
    from formcoach.evaluation.score import score_clip

    clips = load_labels(labels)
    runnable = [c for c in clips if c.coach_as and c.usable and (only is None or c.coach_as == only)]
    for clip in clips:
        if clip not in runnable and (only is None or clip.coach_as == only):
            reason = "not usable" if not clip.usable else "no coach_as exercise"
            console.print(f"[dim]skipped {safe_text(clip.file)}: {safe_text(reason)}[/]")
    library = load_library()
    for clip in runnable:
        if clip.coach_as not in library:
            raise FormcoachError(f"{clip.file}: coach_as {clip.coach_as!r} is not in the exercise library")
    scores, errors = [], []
    with progress_bar("Evaluating clips", len(runnable)) as progress:
        for label, outcome in evaluate_clips([variant.label(c) for c in runnable], model_path, workers, poses, variant):
            progress.advance(progress.task_ids[0])
            if isinstance(outcome, str):
                errors.append((label.file, outcome))
                continue
            assert label.coach_as is not None
            scores.append(score_clip(label, outcome, library[label.coach_as].hold is not None))
    scores.sort(key=lambda s: (s.exercise, s.file))
    return scores, errors


def _print_clip_table(scores: list[ClipScore]) -> None:
    table = Table(
        "clip", "exercise", "reps", "label", "accept", "hold s", "label s", "faults caught", "false/min", "det"
    )
    for sc in scores:
        caught = f"{sum(f.caught for f in sc.faults)}/{len(sc.faults)}" if sc.faults else "–"
        colour = "green" if sc.within_accept else "red"
        table.add_row(
            sc.file,
            sc.exercise,
            f"[{colour}]{sc.reps}[/]",
            str(sc.reps_label),
            f"{sc.reps_accept[0]}–{sc.reps_accept[1]}",
            "–" if sc.hold_s is None else f"{sc.hold_s:.1f}",
            "–" if sc.hold_label_s is None else f"{sc.hold_label_s:.1f}",
            caught,
            f"{sc.false_cues_per_min:.1f}",
            f"{sc.detection_rate:.0%}",
        )
    console.print(table)


def _print_exercise_table(scores: list[ClipScore]) -> None:
    from formcoach.evaluation.score import aggregate

    by_exercise = Table(
        "exercise", "clips", "exact", "in accept", "off-by-one", "MAE/label", "hold err s", "recall", "false/min", "fps"
    )
    groups = {ex: [s for s in scores if s.exercise == ex] for ex in sorted({s.exercise for s in scores})}
    for name, group in [*groups.items(), ("overall", scores)]:
        agg = aggregate(group)
        by_exercise.add_row(
            name,
            str(agg.clips),
            *(_percent(rate) for rate in (agg.exact_rate, agg.within_accept_rate, agg.off_by_one_rate)),
            "–" if math.isnan(agg.mean_normalised_error) else f"{agg.mean_normalised_error:.2f}",
            "–" if math.isnan(agg.hold_mean_error_s) else f"{agg.hold_mean_error_s:.1f}",
            f"{agg.fault_recall:.0%} of {agg.faults}" if agg.faults else "–",
            f"{agg.false_cues_per_min:.2f}",
            f"{agg.fps:.0f}",
        )
    console.print(by_exercise)


def _print_clip_details(scores: list[ClipScore]) -> None:
    for sc in scores:
        if sc.side_counts:
            sides = ", ".join(f"{side} {got}/{want}" for side, (got, want) in sc.side_counts.items())
            console.print(f"per side {safe_text(sc.file)}: {safe_text(sides)} (counted/labelled)")
    for sc in scores:
        if sc.angle_mae:
            errors_text = ", ".join(f"{k} {v:.1f}" for k, v in sc.angle_mae.items())
            console.print(f"angle MAE {safe_text(sc.file)}: {safe_text(errors_text)}")


def _percent(rate: float) -> str:
    return "–" if math.isnan(rate) else f"{rate:.0%}"  # a group of hold clips counts no reps


def _print_eval_figures(scores: list[ClipScore]) -> None:
    """The headline figures: rep clips and hold clips apart, and by camera offset."""
    from formcoach.evaluation.score import aggregate, angle_mae_by_bucket

    def ratio(done: int, total: int) -> str:
        return f"{done}/{total}" if total else "–"

    overall = aggregate(scores)
    buckets = sorted({s.bucket for s in scores if s.bucket})
    groups = [("all", scores)] + [(b, [s for s in scores if s.bucket == b]) for b in buckets]
    table = Table("camera offset", "clips", "rep clips in accept", "holds within 1 s", "faults caught", "false/min")
    for name, group in groups:
        agg = aggregate(group)
        table.add_row(
            name,
            str(agg.clips),
            ratio(agg.rep_clips_within_accept, agg.rep_clips),
            ratio(agg.holds_within_tolerance, agg.hold_clips),
            ratio(agg.faults_caught, agg.faults),
            f"{agg.false_cues_per_min:.2f}",
        )
    console.print(table)
    loudest = max(scores, key=lambda s: s.longest_silence_s, default=None)
    if loudest is not None:
        console.print(
            f"longest silence before coaching began: {overall.longest_silence_s:.1f} s ({safe_text(loudest.file)})"
        )
    for title, judged in (("angle MAE (deg)", False), ("judged by the rules (deg)", True)):
        by_bucket = angle_mae_by_bucket(scores, judged)
        if by_bucket:
            angles = Table(title, *buckets)
            for name, errors in by_bucket.items():
                angles.add_row(name, *(f"{errors[b]:.1f}" if b in errors else "–" for b in buckets))
            console.print(angles)
