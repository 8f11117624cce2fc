"""Pose model files: where they are, whether they are intact, and fetching optional ones."""

from __future__ import annotations

import hashlib
import os
import tempfile
import tomllib
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from formcoach.errors import FormcoachError
from formcoach.places import MODELS_DIR

BUNDLE_MEMBERS = frozenset({"pose_detector.tflite", "pose_landmarks_detector.tflite"})
REBUILD_HINT = "restore it with `git checkout -- models/` or rebuild it with `python models/build_pose_model.py`"
CHUNK = 1 << 16


@dataclass(frozen=True)
class ModelInfo:
    name: str
    file: str
    bundled: bool
    sha256: str | None
    url: str | None
    license: str
    provenance: str

    def path(self, models_dir: Path = MODELS_DIR) -> Path:
        return models_dir / self.file

    def expected_sha256(self, models_dir: Path = MODELS_DIR) -> str | None:
        """The manifest's checksum, or the one recorded when the file was downloaded."""
        if self.sha256:
            return self.sha256
        recorded = models_dir / f"{self.file}.sha256"
        return recorded.read_text().split()[0] if recorded.exists() else None


def load_manifest(models_dir: Path = MODELS_DIR) -> dict[str, ModelInfo]:
    manifest = models_dir / "MANIFEST.toml"
    if not manifest.exists():
        raise FormcoachError(f"model manifest missing: {manifest}; {REBUILD_HINT}")
    with manifest.open("rb") as f:
        entries = tomllib.load(f).get("model", [])
    return {
        e["name"]: ModelInfo(
            name=e["name"],
            file=e["file"],
            bundled=bool(e.get("bundled", False)),
            sha256=e.get("sha256"),
            url=e.get("url"),
            license=e.get("license", ""),
            provenance=e.get("provenance", ""),
        )
        for e in entries
    }


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_bundle_structure(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as bundle:
            names = set(bundle.namelist())
    except zipfile.BadZipFile:
        raise FormcoachError(f"{path} is not a MediaPipe .task bundle (not a zip file)") from None
    if not names >= BUNDLE_MEMBERS:
        raise FormcoachError(f"{path} is not a pose landmarker bundle (it lacks {sorted(BUNDLE_MEMBERS - names)})")


def resolve_model(name_or_path: str, models_dir: Path = MODELS_DIR) -> Path:
    """The verified path of a model named in the manifest, or of a user-given .task file."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".task":
        if not candidate.exists():
            raise FormcoachError(f"model file not found: {candidate}")
        check_bundle_structure(candidate)
        return candidate
    models = load_manifest(models_dir)
    if name_or_path not in models:
        raise FormcoachError(f"unknown model {name_or_path!r}; choose one of {', '.join(models)} or a .task file")
    info = models[name_or_path]
    path = info.path(models_dir)
    if not path.exists():
        if info.bundled:
            raise FormcoachError(f"pose model missing: {path}; {REBUILD_HINT}")
        raise FormcoachError(f"model {info.name!r} is not downloaded; run `formcoach models download {info.name}`")
    expected = info.expected_sha256(models_dir)
    if expected and sha256_of(path) != expected:
        hint = REBUILD_HINT if info.bundled else f"run `formcoach models download {info.name}` again"
        raise FormcoachError(f"pose model is corrupt (checksum mismatch): {path}; {hint}")
    return path


def download_model(
    info: ModelInfo,
    models_dir: Path = MODELS_DIR,
    url: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> Path:
    """Fetch ``info`` to ``models_dir``. Written to a temporary file and renamed only once
    the checksum (or, with none known, the bundle's structure) is right, so a broken or
    mismatched download never leaves a file behind."""
    source = url or info.url
    if not source:
        raise FormcoachError(f"model {info.name!r} has no download URL (it ships with formcoach)")
    target = info.path(models_dir)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{info.file}.", suffix=".part", dir=models_dir)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(source, timeout=30) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            done = 0
            while chunk := response.read(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
            if total is not None and done != total:
                raise FormcoachError(f"download of {info.name} broke off at {done} of {total} bytes; try again")
        got = digest.hexdigest()
        if info.sha256 and got != info.sha256:
            raise FormcoachError(f"download of {info.name} has the wrong checksum ({got[:12]}…); nothing was saved")
        check_bundle_structure(tmp)
        tmp.replace(target)
        if not info.sha256:
            (models_dir / f"{info.file}.sha256").write_text(f"{got}  {info.file}\n")
        return target
    except OSError as error:
        raise FormcoachError(f"download of {info.name} failed: {error}") from None
    finally:
        tmp.unlink(missing_ok=True)
