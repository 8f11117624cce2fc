"""The speech worker: WAV rendering (how tests hear the coach), never blocking, falling back to mute."""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import types
import wave
from pathlib import Path

import numpy as np
import pytest

from formcoach.feedback.cue_policy import Utterance
from formcoach.feedback.speech import LOG_NAME, SpeechMode, SpeechWorker
from formcoach.types import CORRECTION, COUNT

TEXTS = ["Three, two, one. Lunges.", "One", "Keep your torso upright."]


def utterance(text: str, t: float = 0.0) -> Utterance:
    return Utterance(t, text, COUNT, "rep", t)


def read_log(directory: Path) -> list[dict[str, object]]:
    lines = (directory / LOG_NAME).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def read_wav(path: Path) -> tuple[int, np.ndarray]:
    with wave.open(str(path), "rb") as f:
        assert (f.getnchannels(), f.getsampwidth()) == (1, 2)
        return f.getframerate(), np.frombuffer(f.readframes(f.getnframes()), dtype=np.int16)


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def render(tmp_path: Path, texts: list[str], **options: object) -> list[dict[str, object]]:
    warnings: list[str] = []
    with SpeechWorker(wav_dir=tmp_path, on_warning=warnings.append, **options) as worker:  # type: ignore[arg-type]
        for i, text in enumerate(texts):
            worker.say(Utterance(float(i), text, CORRECTION, f"k{i}", i - 0.5))
    assert warnings == []
    assert worker.mode is SpeechMode.WAV
    return read_log(tmp_path)


class SlowSpeaker:
    """Takes ``seconds`` per utterance, like a real voice; records what it said and where."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.said: list[str] = []
        self.threads: set[int] = set()

    def speak(self, text: str) -> None:
        time.sleep(self.seconds)
        self.said.append(text)
        self.threads.add(threading.get_ident())


class GatedSpeaker:
    """Blocks in speak() until released, so a test controls what is in flight."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.said: list[str] = []

    def speak(self, text: str) -> None:
        self.started.set()
        assert self.release.wait(5.0)
        self.said.append(text)


class BrokenSpeaker:
    def __init__(self) -> None:
        self.tried: list[str] = []

    def speak(self, text: str) -> None:
        self.tried.append(text)
        raise OSError("audio device vanished")


def test_wav_mode_renders_every_utterance_to_a_non_silent_wav_and_logs_them_in_order(tmp_path: Path) -> None:
    log = render(tmp_path, TEXTS)
    assert [r["text"] for r in log] == TEXTS
    assert [r["wav"] for r in log] == ["0000.wav", "0001.wav", "0002.wav"]
    assert [r["t"] for r in log] == [0.0, 1.0, 2.0]
    assert [r["raised_t"] for r in log] == [-0.5, 0.5, 1.5]
    assert [r["key"] for r in log] == ["k0", "k1", "k2"]
    durations = []
    for record in log:
        rate, samples = read_wav(tmp_path / str(record["wav"]))
        assert rate == 22050
        assert rms(samples) > 500, record  # speech, not silence (espeak speaks at ~3000 RMS)
        assert np.abs(samples).max() > 5000
        durations.append(len(samples) / rate)
        assert record["audio_s"] == pytest.approx(len(samples) / rate, abs=1e-3)
    # "One" is the shortest text and must be the shortest audio; each lasts a plausible time.
    assert durations[1] == min(durations)
    assert all(0.2 < d < 5.0 for d in durations), durations


def test_rate_option_changes_the_speed(tmp_path: Path) -> None:
    text = ["Slide your front foot forward a little."]
    slow = render(tmp_path / "slow", text, rate=110)
    fast = render(tmp_path / "fast", text, rate=260)
    assert float(slow[0]["audio_s"]) > 1.5 * float(fast[0]["audio_s"])  # type: ignore[arg-type]


def test_voice_option_picks_a_voice_by_name(tmp_path: Path) -> None:
    default = render(tmp_path / "default", ["Keep your torso upright."])
    american = render(tmp_path / "us", ["Keep your torso upright."], voice="America")
    _, a = read_wav(tmp_path / "default" / str(default[0]["wav"]))
    _, b = read_wav(tmp_path / "us" / str(american[0]["wav"]))
    assert rms(b) > 500
    assert len(a) != len(b) or not np.array_equal(a, b)


def test_unknown_voice_warns_once_and_speaks_with_the_default(tmp_path: Path) -> None:
    warnings: list[str] = []
    with SpeechWorker(wav_dir=tmp_path, voice="no-such-voice-xyz", on_warning=warnings.append) as worker:
        worker.say(utterance("One"))
        worker.say(utterance("Two"))
    assert len(warnings) == 1 and "no-such-voice-xyz" in warnings[0]
    assert [r["wav"] for r in read_log(tmp_path)] == ["0000.wav", "0001.wav"]
    assert rms(read_wav(tmp_path / "0001.wav")[1]) > 500


def test_say_never_blocks_behind_a_slow_speaker() -> None:
    speaker = SlowSpeaker(0.5)
    worker = SpeechWorker(speaker=speaker)
    assert not worker.busy
    took = []
    for text in TEXTS:
        start = time.perf_counter()
        worker.say(utterance(text))
        took.append(time.perf_counter() - start)
        assert worker.busy
    # Far below the 0.5 s an utterance takes (the GIL switch interval alone can be 5 ms).
    assert max(took) < 0.05, took
    assert speaker.said == []  # nothing has been said yet: it all happens in the worker
    start = time.perf_counter()
    worker.close()
    assert time.perf_counter() - start > 1.2  # close() waited for the three utterances
    assert speaker.said == TEXTS
    assert speaker.threads and threading.get_ident() not in speaker.threads
    assert not worker.busy


def test_a_full_queue_drops_the_oldest_waiting_utterance() -> None:
    speaker = GatedSpeaker()
    worker = SpeechWorker(speaker=speaker, max_queue=2)
    worker.say(utterance("One"))
    assert speaker.started.wait(5.0)  # "One" is being spoken
    for text in ["Two", "Three", "Four", "Five"]:
        worker.say(utterance(text))
    speaker.release.set()
    worker.close()
    assert speaker.said == ["One", "Four", "Five"]


def test_a_speaker_that_breaks_warns_once_and_the_worker_carries_on_muted() -> None:
    speaker = BrokenSpeaker()
    warnings: list[str] = []
    with SpeechWorker(speaker=speaker, on_warning=warnings.append) as worker:
        for text in TEXTS:
            worker.say(utterance(text))
    assert speaker.tried == TEXTS[:1]  # muted after the first failure
    assert len(warnings) == 1 and "OSError" in warnings[0]
    assert worker.mode is SpeechMode.MUTE


def _engine_that_fails() -> None:
    raise RuntimeError("could not initialize espeak")


BROKEN_ENGINE = types.SimpleNamespace(Engine=_engine_that_fails)


@pytest.mark.parametrize(
    ("module", "error"), [(None, "ModuleNotFoundError"), (BROKEN_ENGINE, "could not initialize espeak")]
)
def test_without_an_engine_one_warning_and_the_log_still_lists_the_cues(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: object, error: str
) -> None:
    monkeypatch.setitem(sys.modules, "pyttsx3", module)  # None: `import pyttsx3` fails
    warnings: list[str] = []
    with SpeechWorker(wav_dir=tmp_path, on_warning=warnings.append) as worker:
        for text in TEXTS:
            worker.say(utterance(text))
    assert len(warnings) == 1 and error in warnings[0]
    assert worker.mode is SpeechMode.MUTE
    assert [(r["text"], r["wav"]) for r in read_log(tmp_path)] == [(text, None) for text in TEXTS]
    assert list(tmp_path.glob("*.wav")) == []


def test_mute_mode_only_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="formcoach.feedback.speech")
    with SpeechWorker(mute=True) as worker:
        worker.say(Utterance(12.5, "One", COUNT, "rep", 12.4))
    assert worker.mode is SpeechMode.MUTE
    assert [r.getMessage() for r in caplog.records] == ["say at 12.50 s: One"]


def test_modes_are_exclusive_and_a_closed_worker_refuses_more(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="choose one"):
        SpeechWorker(mute=True, wav_dir=tmp_path)
    worker = SpeechWorker(mute=True)
    worker.close()
    with pytest.raises(RuntimeError, match="closed"):
        worker.say(utterance("One"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="aplay is how espeak plays sound on Linux")
def test_speakers_mode_without_aplay_warns_once_and_mutes(monkeypatch: pytest.MonkeyPatch) -> None:
    import formcoach.feedback.speech as speech

    monkeypatch.setattr(speech.shutil, "which", lambda _name: None)
    warnings: list[str] = []
    with SpeechWorker(on_warning=warnings.append) as worker:
        for text in TEXTS:
            worker.say(utterance(text))
    assert len(warnings) == 1 and "aplay" in warnings[0] and "alsa-utils" in warnings[0], warnings
    assert worker.mode is SpeechMode.MUTE
    assert speech.probe_speech()[0] is False


class FakeAlsa:
    """libasound's snd_pcm_open/close, answering ``status`` (0, or a negative errno)."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.opened: list[bytes] = []
        self.closed = 0

    def snd_pcm_open(self, _pcm: object, name: bytes, _stream: int, _mode: int) -> int:
        self.opened.append(name)
        return self.status

    def snd_pcm_close(self, _pcm: object) -> int:
        self.closed += 1
        return 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ALSA is how espeak plays sound on Linux")
@pytest.mark.parametrize(("status", "problem"), [(-2, True), (0, False), (-16, False)])  # ENOENT, opened, EBUSY
def test_speakers_mode_without_a_sound_device_warns_once_and_mutes(
    monkeypatch: pytest.MonkeyPatch, status: int, problem: bool
) -> None:
    import formcoach.feedback.speech as speech

    alsa = FakeAlsa(status)
    monkeypatch.setattr(speech.ctypes, "CDLL", lambda _name: alsa)
    monkeypatch.setattr(speech.shutil, "which", lambda _name: "/usr/bin/aplay")
    monkeypatch.setattr(speech._Pyttsx3, "speak", lambda _self, _text: None)  # never the real speakers
    warnings: list[str] = []
    with SpeechWorker(on_warning=warnings.append) as worker:
        for text in TEXTS:
            worker.say(utterance(text))
    assert alsa.opened == [b"default"]  # asked once, not per utterance
    assert alsa.closed == (status == 0)
    assert warnings == (["no sound device (ALSA's default output does not open); cues are shown, not spoken"]
                        if problem else [])  # fmt: skip
    assert worker.mode is (SpeechMode.MUTE if problem else SpeechMode.SPEAKERS)


def test_rendering_prints_nothing_on_the_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    render(tmp_path, TEXTS[:2])  # pyttsx3's espeak driver prints "Audio saved to …" per file
    out, err = capsys.readouterr()
    assert (out, err) == ("", "")


def test_a_late_espeak_callback_is_logged_not_printed_and_other_errors_still_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[BaseException | None] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: seen.append(unraisable.exc_value))
    render(tmp_path, TEXTS[:1])  # starting the engine installs the filter in front of the hook

    class EspeakDriver:  # stands for pyttsx3's driver object named in the report
        pass

    late = types.SimpleNamespace(exc_value=ReferenceError("weakly-referenced object"), object=EspeakDriver())
    other = types.SimpleNamespace(exc_value=ValueError("a real problem"), object=object())
    sys.unraisablehook(late)  # type: ignore[arg-type]
    sys.unraisablehook(other)  # type: ignore[arg-type]
    assert seen == [other.exc_value]
