"""The speech worker: says cues in its own thread so the frame loop never waits for speech.

The only module that imports pyttsx3. pyttsx3's engine must be created and run in one thread
(nateshmbhat/pyttsx3#327), ``runAndWait`` on the frame loop would freeze the video, and a
long-lived engine hangs or goes silent after the first utterance on some espeak and macOS
setups (#22, #126) or raises "run loop already started" after a failed utterance (#262);
pyttsx3 2.99's espeak driver also keeps writing to the last ``save_to_file`` target. So the
worker thread builds a fresh engine for every utterance (a few milliseconds with espeak).
Without a working engine the worker warns once and carries on muted: the on-screen cues
still work.
"""

from __future__ import annotations

import ctypes
import errno
import json
import logging
import shutil
import sys
import threading
import time
import wave
from collections import deque
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from formcoach.background import move_off_the_loop_cpus
from formcoach.feedback.cue_policy import CuePolicy, CueTrack, Utterance
from formcoach.files import make_private_dir, touch_private
from formcoach.types import Said, Step

logger = logging.getLogger(__name__)

LOG_NAME = "speech.jsonl"
WAV_WAIT_S = 30.0  # longest a WAV may take to appear after runAndWait returns
_SND_PCM_STREAM_PLAYBACK = 0
_SND_PCM_NONBLOCK = 1  # a device held by another program answers EBUSY at once instead of blocking

# espeak keeps one synthesis callback and one set of voice parameters per process: two
# engines alive at once (two workers, or a new one before the old is gone) cross their wires.
_ENGINE_LOCK = threading.Lock()


class Speaker(Protocol):
    """Anything that can say a text aloud, blocking until it has been said."""

    def speak(self, text: str) -> None: ...


class SpeechMode(StrEnum):
    SPEAKERS = "speakers"
    WAV = "wav"  # rendered to numbered WAV files, for tests and offline runs
    MUTE = "mute"  # logged only


class _Pyttsx3:
    """pyttsx3 behind speak/save calls, a fresh engine each time; use from one thread only."""

    def __init__(self, voice: str | None, rate: int | None) -> None:
        import pyttsx3  # here, not at the top: a missing or broken pyttsx3 only mutes the coach

        self._pyttsx3 = pyttsx3
        self.rate = rate
        self.voice: str | None = None  # the id of the voice asked for, if found
        self.driver = ""

        def pick(engine: Any) -> None:
            self.driver = str(engine)  # the driver's name: espeak, sapi5, nsss, …
            if voice:
                self.voice = _pick_voice(voice, engine.getProperty("voices"))

        self._use_engine(pick)  # raises here, at start-up, when no engine can run
        _route_driver_prints_to_the_log()
        _ignore_callbacks_into_finished_engines()

    def _use_engine(self, action: Callable[[Any], object]) -> None:
        with _ENGINE_LOCK:
            # pyttsx3.Engine, not pyttsx3.init(): init() hands back a cached engine if one is alive.
            engine = self._pyttsx3.Engine()
            try:
                if self.rate is not None:
                    engine.setProperty("rate", self.rate)
                if self.voice is not None:
                    engine.setProperty("voice", self.voice)
                action(engine)
            finally:
                del engine  # inside the lock: its teardown resets espeak's process-wide callback

    def playback_problem(self) -> str | None:
        """Why this engine cannot reach the speakers, if it cannot (it can still write WAVs)."""
        if self.driver != "espeak" or not sys.platform.startswith("linux"):
            return None
        if shutil.which("aplay") is None:
            return "pyttsx3's espeak driver plays sound through aplay, which is missing (install alsa-utils)"
        if not _alsa_default_device_opens():
            return "no sound device (ALSA's default output does not open)"
        return None

    def speak(self, text: str) -> None:
        def run(engine: Any) -> None:
            engine.say(text)
            engine.runAndWait()

        self._use_engine(run)

    def save(self, text: str, path: Path) -> None:
        def run(engine: Any) -> None:
            engine.save_to_file(text, str(path))
            engine.runAndWait()
            # espeak-ng can still be synthesising when runAndWait returns (a long utterance
            # first in a run): keep the engine until the file is written, or its driver's
            # last callback finds the engine gone and the WAV is logged unreadable.
            deadline = time.monotonic() + WAV_WAIT_S
            while _wav_seconds(path) is None and time.monotonic() < deadline:
                time.sleep(0.01)

        self._use_engine(run)


def _alsa_default_device_opens() -> bool:
    """Whether ALSA's default playback device opens, as aplay would open it. Without one,
    every utterance would only print ALSA's errors; asked once, through libasound itself."""
    try:
        alsa = ctypes.CDLL("libasound.so.2")
    except OSError:
        return False  # no ALSA library: aplay could not run either
    pcm = ctypes.c_void_p()
    status = int(alsa.snd_pcm_open(ctypes.byref(pcm), b"default", _SND_PCM_STREAM_PLAYBACK, _SND_PCM_NONBLOCK))
    if status == 0:
        alsa.snd_pcm_close(pcm)
    return status == 0 or status == -errno.EBUSY  # busy: there, and in use by another program


def _ignore_callbacks_into_finished_engines() -> None:
    """espeak-ng may deliver a synthesis callback just after pyttsx3's engine for it is gone;
    the driver then raises ReferenceError inside a ctypes callback, which Python prints as a
    traceback. Harmless (the utterance is done): log it instead. Other errors pass through."""
    previous = sys.unraisablehook

    def skip_late_espeak_callbacks(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, ReferenceError) and "EspeakDriver" in repr(unraisable.object):
            logger.debug("espeak callback after its engine closed: %s", unraisable.exc_value)
            return
        previous(unraisable)

    if getattr(previous, "__name__", "") != skip_late_espeak_callbacks.__name__:  # once per process
        sys.unraisablehook = skip_late_espeak_callbacks


def _route_driver_prints_to_the_log() -> None:
    """pyttsx3's espeak driver print()s "Audio saved to …" for every WAV, and its playback
    errors, onto the user's terminal from the speech thread; they belong in the log. A
    module-level ``print`` shadows the builtin for that module only."""
    driver = sys.modules.get("pyttsx3.drivers.espeak")
    if driver is not None:
        driver.print = lambda *args, **_: logger.info("pyttsx3: %s", " ".join(map(str, args)))  # type: ignore[attr-defined]


def _pick_voice(wanted: str, voices: list[Any]) -> str | None:
    """The id of the voice whose id is ``wanted``, else whose id or name contains it."""
    needle = wanted.lower()
    for v in voices:
        if str(v.id).lower() == needle:
            return str(v.id)
    for v in voices:
        if needle in str(v.id).lower() or needle in str(v.name).lower():
            return str(v.id)
    return None


def probe_speech() -> tuple[bool, str]:
    """Whether a text-to-speech engine starts here, and which one (for ``formcoach doctor``)."""
    try:
        engine = _Pyttsx3(None, None)
    except Exception as e:  # whatever stops the engine is what the user needs to read
        return False, f"no text-to-speech engine ({type(e).__name__}: {e}); cues will be shown, not spoken"
    if problem := engine.playback_problem():
        return False, f"{problem}; cues will be shown, not spoken (--speech-wav still works)"
    return True, f"pyttsx3 with the {engine.driver} driver"


def _wav_seconds(path: Path) -> float | None:
    """The WAV's length, or None when it cannot be read (an engine that wrote nothing)."""
    try:
        with wave.open(str(path), "rb") as f:
            return f.getnframes() / f.getframerate()
    except (OSError, EOFError, wave.Error):
        return None


class SpeechWorker:
    """Says utterances in a background thread; ``say`` never blocks.

    Modes: the system speakers (default); ``wav_dir``: every utterance rendered to
    ``wav_dir/NNNN.wav`` and listed, in order, in ``wav_dir/speech.jsonl`` (that is how tests
    hear the coach); ``mute``: logged only. ``speaker`` injects any ``Speaker`` instead of
    pyttsx3. ``voice`` is a pyttsx3 voice id or part of its name; ``rate`` is in words per
    minute. ``on_warning`` hears about problems (no engine, unknown voice), each once.

    At most ``max_queue`` utterances wait; when full, the oldest is dropped (the cue policy
    normally keeps only one waiting, so this is a safety net, not a feature).
    """

    def __init__(
        self,
        *,
        speaker: Speaker | None = None,
        wav_dir: Path | None = None,
        mute: bool = False,
        voice: str | None = None,
        rate: int | None = None,
        max_queue: int = 4,
        on_warning: Callable[[str], None] = logger.warning,
    ) -> None:
        if sum((speaker is not None, wav_dir is not None, mute)) > 1:
            raise ValueError("choose one of speaker, wav_dir and mute")
        self._speaker = speaker
        self._wav_dir = wav_dir
        self._voice = voice
        self._rate = rate
        self._on_warning = on_warning
        self._engine: _Pyttsx3 | None = None
        self._mode = SpeechMode.MUTE if mute else SpeechMode.WAV if wav_dir else SpeechMode.SPEAKERS
        self._queue: deque[Utterance] = deque(maxlen=max_queue)
        self._cond = threading.Condition()
        self._speaking = False
        self._closing = False
        self._count = 0
        if wav_dir is not None:
            make_private_dir(wav_dir, exist_ok=True)  # what the coach said to someone is theirs
            touch_private(wav_dir / LOG_NAME).write_text("")
        self._thread = threading.Thread(target=self._run, name="formcoach-speech", daemon=True)
        self._thread.start()

    @property
    def mode(self) -> SpeechMode:
        """How utterances come out; MUTE after speech failed to start or broke."""
        return self._mode

    @property
    def busy(self) -> bool:
        """Whether anything is being said or waiting to be said."""
        with self._cond:
            return self._speaking or bool(self._queue)

    def say(self, utterance: Utterance) -> None:
        """Queue ``utterance`` and return at once."""
        with self._cond:
            if self._closing:
                raise RuntimeError("the speech worker is closed")
            self._queue.append(utterance)
            self._cond.notify()

    def close(self, timeout_s: float = 10.0) -> None:
        """Say what is queued, then stop the thread (waiting at most ``timeout_s``)."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            self._on_warning(f"speech did not finish within {timeout_s:g} s; giving up on it")

    def __enter__(self) -> SpeechWorker:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- worker thread -----------------------------------------------------------------
    def _run(self) -> None:
        move_off_the_loop_cpus()  # synthesis comes in bursts of a full core
        if self._mode is not SpeechMode.MUTE and self._speaker is None:
            self._start_engine()
        while True:
            with self._cond:
                while not self._queue and not self._closing:
                    self._cond.wait()
                if not self._queue:
                    return
                utterance = self._queue.popleft()
                self._speaking = True
            try:
                self._deliver(utterance)
            finally:
                with self._cond:
                    self._speaking = False

    def _start_engine(self) -> None:
        try:
            self._engine = _Pyttsx3(self._voice, self._rate)
        except Exception as e:  # any failure to start speech only mutes the coach
            self._mute(f"no text-to-speech engine ({type(e).__name__}: {e}); cues are shown, not spoken")
            return
        if self._mode is SpeechMode.SPEAKERS and (problem := self._engine.playback_problem()):
            self._mute(f"{problem}; cues are shown, not spoken")
            return
        if self._voice and self._engine.voice is None:
            self._on_warning(f"no voice matches {self._voice!r}; using the default voice")

    def _mute(self, warning: str) -> None:
        self._on_warning(warning)
        self._mode = SpeechMode.MUTE
        self._engine = None
        self._speaker = None

    def _deliver(self, utterance: Utterance) -> None:
        logger.info("say at %.2f s: %s", utterance.t, utterance.text)
        wav: Path | None = None
        try:
            if self._speaker is not None:
                self._speaker.speak(utterance.text)
            elif self._engine is not None and self._wav_dir is not None:
                wav = touch_private(self._wav_dir / f"{self._count:04d}.wav")
                self._engine.save(utterance.text, wav)
            elif self._engine is not None:
                self._engine.speak(utterance.text)
        except Exception as e:  # a speaker that breaks mid-session mutes it, never the coach
            if wav is not None:
                wav.unlink(missing_ok=True)
            wav = None
            self._mute(f"speech failed ({type(e).__name__}: {e}); cues are shown, not spoken")
        if self._wav_dir is not None:
            self._log(utterance, wav)
        self._count += 1

    def _log(self, utterance: Utterance, wav: Path | None) -> None:
        assert self._wav_dir is not None
        record = {
            "t": round(utterance.t, 3),
            "raised_t": round(utterance.raised_t, 3),
            "text": utterance.text,
            "priority": utterance.priority,
            "key": utterance.key,
            "wav": wav.name if wav else None,
            "audio_s": round(seconds, 3) if wav and (seconds := _wav_seconds(wav)) is not None else None,
        }
        with (self._wav_dir / LOG_NAME).open("a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")


class SpeechSink:
    """Events → cue policy → speech worker; remembers the cue on screen."""

    stage = "speech"

    def __init__(self, worker: SpeechWorker, policy: CuePolicy, on_said: Callable[[Said], None] | None = None) -> None:
        self.worker = worker
        self.policy = policy
        self.on_said = on_said  # the recorder keeps each cue, for a replay to show exactly these
        self.cues = CueTrack()

    @property
    def cue_text(self) -> str:
        return self.cues.text

    def __call__(self, step: Step) -> None:
        t = step.update.t
        utterance = self.policy.offer(step.update.events, t, speaker_idle=not self.worker.busy)
        said = None
        if utterance is not None:
            said = Said(t, utterance.key, utterance.text)
            self.worker.say(utterance)
            if self.on_said is not None:
                self.on_said(said)
        self.cues.update(t, said)
