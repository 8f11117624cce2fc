"""The cue policy on scripted event sequences: exactly what is said, and when."""

from __future__ import annotations

import pytest

from formcoach.feedback.cue_policy import CuePolicy, Utterance
from formcoach.types import CORRECTION, COUNT, ENCOURAGEMENT, SAFETY, Event, EventKind

KIND_OF = {
    SAFETY: EventKind.SETUP_HINT,
    CORRECTION: EventKind.RULE_FAIL,
    COUNT: EventKind.REP_DONE,
    ENCOURAGEMENT: EventKind.ENCOURAGEMENT,
}


def ev(t: float, key: str, message: str, priority: int) -> Event:
    return Event(t, KIND_OF[priority], key, message, priority)


def said(u: Utterance | None) -> str | None:
    return None if u is None else u.text


def test_only_events_with_a_message_are_spoken() -> None:
    policy = CuePolicy()
    assert policy.offer([ev(0.0, "torso_upright", "", CORRECTION), ev(0.0, "hold", "  ", COUNT)], 0.0, True) is None
    assert policy.offer([], 0.5, True) is None


def test_highest_priority_first_then_one_waits_and_lower_ones_are_dropped() -> None:
    policy = CuePolicy()
    frame = [
        ev(1.0, "rep", "One", COUNT),
        ev(1.0, "advice0", "Breathe out as you push up.", ENCOURAGEMENT),
        ev(1.0, "setup", "Step back so I can see your feet.", SAFETY),
    ]
    assert policy.offer(frame, 1.0, True) == Utterance(1.0, "Step back so I can see your feet.", SAFETY, "setup", 1.0)
    assert policy.offer([], 1.5, False) is None  # still speaking
    # The count waited; the encouragement lost to it and is gone.
    assert policy.offer([], 2.25, True) == Utterance(2.25, "One", COUNT, "rep", 1.0)
    assert policy.offer([], 2.5, True) is None


def test_same_key_and_message_is_cooled_down_from_when_it_was_raised() -> None:
    policy = CuePolicy(cooldown_s=6.0)
    go_lower = "Go lower, until your front knee is at 90 degrees."
    assert said(policy.offer([ev(0.0, "front_knee_90", go_lower, CORRECTION)], 0.0, True)) == go_lower
    assert policy.offer([ev(3.0, "front_knee_90", go_lower, CORRECTION)], 3.0, True) is None
    assert policy.offer([ev(5.99, "front_knee_90", go_lower, CORRECTION)], 5.99, True) is None
    # The same rule's other direction is a different cue.
    not_deep = "Not so deep: stop with your front knee at 90 degrees."
    assert said(policy.offer([ev(4.0, "front_knee_90", not_deep, CORRECTION)], 4.0, True)) == not_deep
    assert said(policy.offer([ev(6.0, "front_knee_90", go_lower, CORRECTION)], 6.0, True)) == go_lower


def test_a_cue_that_waited_does_not_push_its_cooldown_later() -> None:
    # The checker repeats a fault every cooldown_s from when it raised it; a cue said late
    # must not swallow the repeat.
    policy = CuePolicy(cooldown_s=6.0)
    assert policy.offer([ev(0.0, "torso_upright", "Keep your torso upright.", CORRECTION)], 0.0, False) is None
    late = policy.offer([], 2.0, True)
    assert late == Utterance(2.0, "Keep your torso upright.", CORRECTION, "torso_upright", 0.0)
    assert said(policy.offer([ev(6.0, "torso_upright", "Keep your torso upright.", CORRECTION)], 6.0, True)) == (
        "Keep your torso upright."
    )


def test_counts_share_a_key_but_are_never_cooled_down() -> None:
    policy = CuePolicy(cooldown_s=6.0)
    out = [
        said(policy.offer([ev(t, "rep", word, COUNT)], t, True)) for t, word in [(0, "One"), (1, "Two"), (2, "Three")]
    ]
    assert out == ["One", "Two", "Three"]


def test_newer_correction_replaces_the_waiting_one() -> None:
    policy = CuePolicy()
    assert policy.offer([ev(0.0, "a", "Lift your chest. Stay tall.", CORRECTION)], 0.0, False) is None
    assert policy.offer([ev(0.5, "b", "Slide your front foot forward a little.", CORRECTION)], 0.5, False) is None
    assert policy.offer([], 1.0, True) == Utterance(
        1.0, "Slide your front foot forward a little.", CORRECTION, "b", 0.5
    )
    assert policy.offer([], 1.1, True) is None


def test_higher_priority_replaces_a_waiting_count_but_encouragement_never_does() -> None:
    policy = CuePolicy()
    policy.offer([ev(0.0, "rep", "Three", COUNT)], 0.0, False)
    policy.offer([ev(0.2, "advice0", "Nice and steady.", ENCOURAGEMENT)], 0.2, False)
    assert said(policy.offer([], 0.4, True)) == "Three"

    policy.offer([ev(1.0, "rep", "Four", COUNT)], 1.0, False)
    policy.offer([ev(1.2, "torso_upright", "Keep your torso upright.", CORRECTION)], 1.2, False)
    policy.offer([ev(1.3, "rep", "Five", COUNT)], 1.3, False)  # lower than the waiting correction: dropped
    assert said(policy.offer([], 1.5, True)) == "Keep your torso upright."
    assert policy.offer([], 1.6, True) is None


def test_a_cue_waiting_longer_than_stale_after_s_is_dropped() -> None:
    policy = CuePolicy(stale_after_s=3.0)
    policy.offer([ev(10.0, "rep", "Seven", COUNT)], 10.0, False)
    assert said(policy.offer([], 13.0, True)) == "Seven"  # exactly 3 s: still fresh
    policy.offer([ev(20.0, "rep", "Eight", COUNT)], 20.0, False)
    assert policy.offer([], 23.01, True) is None
    assert policy.offer([], 23.5, True) is None


def test_the_same_cue_twice_in_one_frame_is_said_once() -> None:
    policy = CuePolicy()
    frame = [ev(0.0, "setup", "Turn side-on to the camera.", SAFETY)] * 2
    assert said(policy.offer(frame, 0.0, True)) == "Turn side-on to the camera."
    assert policy.offer([], 0.1, True) is None


# A lunge set's last rep, scripted frame by frame: (t, events, speaker idle, expected speech).
SCRIPT: list[tuple[float, list[Event], bool, str | None]] = [
    (30.0, [ev(30.0, "rep", "Nine", COUNT)], True, "Nine"),
    (30.1, [ev(30.1, "torso_upright", "Keep your torso upright.", CORRECTION)], False, None),
    (30.4, [], False, None),
    (30.6, [], True, "Keep your torso upright."),
    (
        31.5,
        [
            ev(31.5, "rep", "Ten", COUNT),
            ev(31.5, "set", "Set 1 done.", COUNT),
            ev(31.5, "rest", "Rest for 30 seconds.", COUNT),
        ],
        True,
        "Ten",
    ),
    (32.0, [], False, None),
    (32.2, [ev(32.2, "advice0", "Shake out your legs.", ENCOURAGEMENT)], False, None),
    (32.4, [], True, "Rest for 30 seconds."),  # the newest of the equal counts waited
    (32.5, [ev(32.5, "torso_upright", "Keep your torso upright.", CORRECTION)], True, None),  # cooling down
    (36.2, [ev(36.2, "torso_upright", "Keep your torso upright.", CORRECTION)], True, "Keep your torso upright."),
    (36.3, [], True, None),
]


def test_scripted_sequence_frame_by_frame() -> None:
    policy = CuePolicy(cooldown_s=6.0, stale_after_s=3.0)
    got = [said(policy.offer(events, t, idle)) for t, events, idle, _ in SCRIPT]
    assert got == [expected for *_, expected in SCRIPT]


@pytest.mark.parametrize(("cooldown_s", "expected"), [(0.0, ["Go lower.", "Go lower."]), (6.0, ["Go lower.", None])])
def test_cooldown_is_configurable(cooldown_s: float, expected: list[str | None]) -> None:
    policy = CuePolicy(cooldown_s=cooldown_s)
    got = [said(policy.offer([ev(t, "knee", "Go lower.", CORRECTION)], t, True)) for t in (0.0, 1.0)]
    assert got == expected


def test_advice_waits_behind_the_start_cue_and_corrections_and_is_said_in_order() -> None:
    policy = CuePolicy(stale_after_s=3.0)
    start = Event(0.0, EventKind.START, "start", "Three, two, one. Couch stretch, left side.", SAFETY)
    advice = [Event(0.0, EventKind.ADVICE, f"advice{i}", text, ENCOURAGEMENT) for i, text in enumerate("ABC")]
    assert said(policy.offer([start, *advice], 0.0, True)) == start.message
    assert policy.offer([], 5.0, False) is None  # the start cue takes 5 s: longer than stale_after_s
    lean = ev(5.1, "torso_upright", "Lift your chest.", CORRECTION)
    assert said(policy.offer([lean], 5.1, True)) == "Lift your chest."
    assert said(policy.offer([], 7.0, True)) == "A"
    # Raised again (a new set) while still planned: not planned twice.
    assert said(policy.offer([advice[1]], 9.0, True)) == "B"
    assert said(policy.offer([ev(10.0, "rep", "One", COUNT)], 10.0, True)) == "One"
    assert said(policy.offer([], 11.0, True)) == "C"
    assert policy.offer([], 12.0, True) is None
