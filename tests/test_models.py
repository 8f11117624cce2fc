"""The bundled model verifies; optional downloads are all-or-nothing (local HTTP server)."""

from __future__ import annotations

import hashlib
import http.server
import io
import shutil
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from formcoach.errors import FormcoachError
from formcoach.places import MODELS_DIR
from formcoach.pose.models import ModelInfo, download_model, load_manifest, resolve_model, sha256_of


def fake_bundle() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("pose_detector.tflite", b"detector")
        bundle.writestr("pose_landmarks_detector.tflite", b"landmarks")
    return buffer.getvalue()


BUNDLE = fake_bundle()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/bundle.task":
            body, length = BUNDLE, len(BUNDLE)
        elif self.path == "/broken.task":
            body, length = BUNDLE[:100], len(BUNDLE)  # the connection drops part-way
        else:
            body, length = b"<html>not a model</html>", 24
        self.send_response(200)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture()
def models_dir(tmp_path: Path) -> Path:
    shutil.copy(MODELS_DIR / "MANIFEST.toml", tmp_path / "MANIFEST.toml")
    return tmp_path


def lite(models_dir: Path) -> ModelInfo:
    return load_manifest(models_dir)["lite"]


def test_bundled_model_matches_its_manifest() -> None:
    info = load_manifest()["full"]
    assert info.bundled
    assert sha256_of(resolve_model("full")) == info.sha256


def test_corrupt_bundled_model_is_refused_with_the_fix(tmp_path: Path) -> None:
    shutil.copy(MODELS_DIR / "MANIFEST.toml", tmp_path / "MANIFEST.toml")
    (tmp_path / "pose_landmarker_full.task").write_bytes(b"PK damaged")
    with pytest.raises(FormcoachError, match=r"corrupt.*pose_landmarker_full\.task.*build_pose_model"):
        resolve_model("full", tmp_path)


def test_missing_bundled_model_says_how_to_restore(tmp_path: Path) -> None:
    shutil.copy(MODELS_DIR / "MANIFEST.toml", tmp_path / "MANIFEST.toml")
    with pytest.raises(FormcoachError, match=r"missing.*git checkout"):
        resolve_model("full", tmp_path)


def test_download_then_load_verifies_the_recorded_checksum(server: str, models_dir: Path) -> None:
    path = download_model(lite(models_dir), models_dir, f"{server}/bundle.task")
    assert path.read_bytes() == BUNDLE
    assert resolve_model("lite", models_dir) == path
    path.write_bytes(BUNDLE + b"tampered")
    with pytest.raises(FormcoachError, match="checksum"):
        resolve_model("lite", models_dir)


def test_checksum_mismatch_leaves_no_file(server: str, models_dir: Path) -> None:
    info = replace(lite(models_dir), sha256="0" * 64)
    with pytest.raises(FormcoachError, match="wrong checksum"):
        download_model(info, models_dir, f"{server}/bundle.task")
    assert sorted(p.name for p in models_dir.iterdir()) == ["MANIFEST.toml"]


def test_matching_checksum_is_accepted(server: str, models_dir: Path) -> None:
    info = replace(lite(models_dir), sha256=hashlib.sha256(BUNDLE).hexdigest())
    assert download_model(info, models_dir, f"{server}/bundle.task").exists()


@pytest.mark.parametrize(("path", "message"), [("/broken.task", "broke off|failed"), ("/page.html", "not a MediaPipe")])
def test_broken_or_wrong_download_leaves_no_file(server: str, models_dir: Path, path: str, message: str) -> None:
    with pytest.raises(FormcoachError, match=message):
        download_model(lite(models_dir), models_dir, f"{server}{path}")
    assert sorted(p.name for p in models_dir.iterdir()) == ["MANIFEST.toml"]


def test_unreachable_server_is_a_clear_error(models_dir: Path) -> None:
    with pytest.raises(FormcoachError, match="download of lite failed"):
        download_model(lite(models_dir), models_dir, "http://127.0.0.1:9/none.task")
