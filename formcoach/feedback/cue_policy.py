"""What the coach says, and when: priority, cooldown, one waiting cue, stale-drop.

Pure and deterministic: driven by session time (from frames) and told whether the speaker is
free, so a live run, a replay and a test with scripted events decide identically. Speech
takes seconds while events arrive every frame, so at most one cue waits behind the one being
spoken; anything older or less important is dropped rather than said late.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

from formcoach.types import Event, Said


@dataclass(frozen=True)
class Utterance:
    """One cue handed to the speaker: said at session time ``t``, raised at ``raised_t``."""

    t: float
    text: str
    priority: int
    key: str
    raised_t: float


class CuePolicy:
    """Decides which events become speech.

    * Only events with a non-empty message are speakable.
    * Higher priority first (``SAFETY`` > ``CORRECTION`` > ``COUNT`` > ``ENCOURAGEMENT``).
    * The same (key, message) is not said again within ``cooldown_s`` of session time.
      Keyed on the message too, so counts ("One", "Two": all key "rep") are never held back,
      and a rule's "below" and "above" cues are cooled down separately.
    * At most one cue waits while the speaker is busy; a newer cue of equal or higher
      priority replaces it (the latest correction or count is the one that matters), a lower
      one is dropped (so encouragement never displaces a count).
    * A waiting cue raised more than ``stale_after_s`` ago is dropped: said late it would
      describe a moment that has passed.
    """

    def __init__(self, cooldown_s: float = 6.0, stale_after_s: float = 3.0) -> None:
        self.cooldown_s = cooldown_s
        self.stale_after_s = stale_after_s
        self._waiting: Utterance | None = None
        # Raised time of the last said cue per (key, message). The raised time, not the
        # release time: a checker that repeats a fault every cooldown_s must not be muted
        # because the first cue waited a moment before it was said.
        self._said_at: dict[tuple[str, str], float] = {}

    def offer(self, events: Iterable[Event], t: float, speaker_idle: bool) -> Utterance | None:
        """Take one frame's events at session time ``t``; return the cue to say now, if any.

        Call once per frame, with no events when nothing happened: a cue waiting for the
        speaker is released (or dropped as stale) only from here.
        """
        if self._waiting is not None and t - self._waiting.raised_t > self.stale_after_s:
            self._waiting = None
        fresh = [
            Utterance(e.t, e.message.strip(), e.priority, e.key, e.t)
            for e in events
            if e.message.strip() and not self._cooling(e.key, e.message.strip(), e.t)
        ]
        waiting = [self._waiting] if self._waiting is not None else []
        # The same cue twice is said once (the newest copy). Stable sort, the waiting cue
        # first: among equals the older is said first when the speaker is free, and the
        # newest is kept when it has to wait.
        unique = {(u.key, u.text): u for u in waiting + fresh}
        candidates = sorted(unique.values(), key=lambda u: -u.priority)
        self._waiting = None
        released: Utterance | None = None
        for cue in candidates:
            if speaker_idle and released is None:
                released = cue
            elif self._waiting is None or cue.priority >= self._waiting.priority:
                self._waiting = cue
        if released is None:
            return None
        self._said_at[(released.key, released.text)] = released.raised_t
        return replace(released, t=t)

    def _cooling(self, key: str, text: str, t: float) -> bool:
        said = self._said_at.get((key, text))
        return said is not None and t - said < self.cooldown_s


CUE_SHOWN_S = 4.0  # how long a spoken cue stays on screen


class CueTrack:
    """The cue on screen at each moment: the last cue said, shown for ``CUE_SHOWN_S``. Live,
    the speech sink feeds it what it says; a replay, what the recording kept."""

    def __init__(self) -> None:
        self.text, self._t = "", -math.inf

    def update(self, t: float, said: Said | None) -> str:
        if said is not None:
            self.text, self._t = said.text, said.t
        elif t - self._t > CUE_SHOWN_S:
            self.text = ""
        return self.text
