"""What the coach says, and when: priority, cooldown, one waiting cue, stale-drop, and the
advice planned for the pauses.

Pure and deterministic: driven by session time (from frames) and told whether the speaker is
free, so a live run, a replay and a test with scripted events decide identically. Speech
takes seconds while events arrive every frame, so at most one cue waits behind the one being
spoken; anything older or less important is dropped rather than said late. An exercise's
advice is different: it describes the whole exercise, not a moment, so it is queued in order
and said one item at a time whenever nothing else is to be said.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, replace

from formcoach.types import Event, EventKind, Said


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
    * ``ADVICE`` events are planned, not waiting: kept in the order raised (an item already
      planned is not planned twice) and said one by one when the speaker is free and no other
      cue waits, never dropped as stale and never cooled down (the checker raises them again
      only at a new side or set). Before this, the start cue's advice items replaced each
      other as the one waiting cue and went stale behind the 4-5 s start cue: only the last
      item, or none, was ever said.
    """

    def __init__(self, cooldown_s: float = 6.0, stale_after_s: float = 3.0) -> None:
        self.cooldown_s = cooldown_s
        self.stale_after_s = stale_after_s
        self._waiting: Utterance | None = None
        self._plan: deque[Utterance] = deque()
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
        speakable = [e for e in events if e.message.strip()]
        self._add_to_plan(e for e in speakable if e.kind is EventKind.ADVICE)
        fresh = [
            Utterance(e.t, e.message.strip(), e.priority, e.key, e.t)
            for e in speakable
            if e.kind is not EventKind.ADVICE and not self._cooling(e.key, e.message.strip(), e.t)
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
        if released is None and speaker_idle and self._waiting is None and self._plan:
            released = self._plan.popleft()
        if released is None:
            return None
        self._said_at[(released.key, released.text)] = released.raised_t
        return replace(released, t=t)

    def _add_to_plan(self, advice: Iterable[Event]) -> None:
        for event in advice:
            planned = Utterance(event.t, event.message.strip(), event.priority, event.key, event.t)
            if all((u.key, u.text) != (planned.key, planned.text) for u in self._plan):
                self._plan.append(planned)

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
