"""What the sources say about exercising safely, in one place, said where it matters: on the
terminal when coaching starts, in `formcoach exercises show`, in the README and the exercise
table (docs/exercises.md), and spoken before a routine's first exercise (warming up)."""

from __future__ import annotations

# (source file, its words): what the note and the warm-up line rest on. "Stop if it hurts
# sharply" is ours, as any coach would say it.
SOURCE_WORDS = (
    (
        "001_4c51e4928dc79761.txt",
        "it’s always best to speak with a healthcare provider before jumping into any exercises — especially "
        "if you’re recovering from surgery or injury.",
    ),
    (
        "003_e418d96018aaf0b4.txt",
        "If you’ve been dealing with hip pain for more than a week, you deserve the attention of a professional "
        "to help rule out chronic underlying conditions.",
    ),
    ("002_a5cf285771b240ea.txt", "If your hips are stiff, take extra care to warm up slowly before exercise."),
    (
        "002_a5cf285771b240ea.txt",
        "If your pain doesn’t improve or continues to get worse, consult a professional",
    ),
)

SAFETY_NOTE = (
    "Before you start: if you are recovering from surgery or an injury, check with a healthcare provider "
    "first. Stop if it hurts sharply. Hip pain for more than a week, or pain that gets worse: see a "
    "physical therapist."
)
WARM_UP = "If your hips are stiff, warm up slowly first."
