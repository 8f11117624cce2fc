"""Pose model files: where they are, whether they are intact, and fetching optional ones."""

from __future__ import annotations

import hashlib
import os
import tempfile
import tomllib
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from http.client import HTTPMessage
from pathlib import Path
from typing import IO

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

    def pinned_sha256(self, models_dir: Path = MODELS_DIR) -> str:
        """The manifest's checksum. There is no other: a hash computed from whatever was
        downloaded would vouch for anything."""
        if not self.sha256:
            raise FormcoachError(
                f"model {self.name!r} has no sha256 in {models_dir / 'MANIFEST.toml'}, so it cannot be verified; "
                "pin the published checksum there first"
            )
        return self.sha256


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
        if not candidate.is_file():
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
    if sha256_of(path) != info.pinned_sha256(models_dir):
        hint = REBUILD_HINT if info.bundled else f"run `formcoach models download {info.name}` again"
        raise FormcoachError(f"pose model is corrupt (checksum mismatch): {path}; {hint}")
    return path


def _require_https(url: str, name: str) -> None:
    if urllib.parse.urlsplit(url).scheme != "https":
        raise FormcoachError(f"refusing to download {name} from {url}: only https:// URLs are fetched")


class _HttpsOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """urllib follows a redirect from https to plain http; a model is fetched over https only."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        _require_https(newurl, "a model")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def download_model(
    info: ModelInfo,
    models_dir: Path = MODELS_DIR,
    url: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> Path:
    """Fetch ``info`` to ``models_dir`` over https. Written to a temporary file and renamed
    only once it matches the manifest's sha256 and is a pose bundle, so a broken or
    mismatched download never leaves a file behind."""
    source = url or info.url
    if not source:
        raise FormcoachError(f"model {info.name!r} has no download URL (it ships with formcoach)")
    _require_https(source, info.name)
    expected = info.pinned_sha256(models_dir)
    target = info.path(models_dir)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{info.file}.", suffix=".part", dir=models_dir)
    tmp = Path(tmp_name)
    try:
        opener = urllib.request.build_opener(_HttpsOnlyRedirects)
        with os.fdopen(fd, "wb") as out, opener.open(source, timeout=30) as response:
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
        if got != expected:
            raise FormcoachError(f"download of {info.name} has the wrong checksum ({got[:12]}…); nothing was saved")
        check_bundle_structure(tmp)
        tmp.replace(target)
        return target
    except OSError as error:
        raise FormcoachError(f"download of {info.name} failed: {error}") from None
    finally:
        tmp.unlink(missing_ok=True)
