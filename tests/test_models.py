"""The bundled model verifies; optional downloads are https only, checked against the manifest's
sha256 and all-or-nothing (a local HTTPS server with a throwaway certificate)."""

from __future__ import annotations

import hashlib
import http.server
import io
import shutil
import ssl
import subprocess
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
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:9/bundle.task")
            self.end_headers()
            return
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
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: cannot make a certificate for the local HTTPS server")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def server(certificate: tuple[Path, Path]) -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(autouse=True)
def trust(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib's default context trusts the local server's certificate (and only it)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))


@pytest.fixture()
def models_dir(tmp_path: Path) -> Path:
    shutil.copy(MODELS_DIR / "MANIFEST.toml", tmp_path / "MANIFEST.toml")
    return tmp_path


def lite(models_dir: Path) -> ModelInfo:
    """The manifest's lite model, pinned to the test bundle's checksum."""
    return replace(load_manifest(models_dir)["lite"], sha256=hashlib.sha256(BUNDLE).hexdigest())


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


def test_download_then_load_verifies_the_pinned_checksum(server: str, models_dir: Path) -> None:
    path = download_model(lite(models_dir), models_dir, f"{server}/bundle.task")
    assert path.read_bytes() == BUNDLE
    assert sorted(p.name for p in models_dir.iterdir()) == ["MANIFEST.toml", "pose_landmarker_lite.task"]
    manifest = models_dir / "MANIFEST.toml"
    manifest.write_text(
        manifest.read_text().replace(
            'file = "pose_landmarker_lite.task"\n',
            f'file = "pose_landmarker_lite.task"\nsha256 = "{hashlib.sha256(BUNDLE).hexdigest()}"\n',
        )
    )
    assert resolve_model("lite", models_dir) == path
    path.write_bytes(BUNDLE + b"tampered")
    with pytest.raises(FormcoachError, match="checksum"):
        resolve_model("lite", models_dir)


def test_a_model_without_a_pinned_checksum_is_neither_fetched_nor_loaded(server: str, models_dir: Path) -> None:
    unpinned = replace(lite(models_dir), sha256=None)
    with pytest.raises(FormcoachError, match=r"no sha256 in .*MANIFEST\.toml"):
        download_model(unpinned, models_dir, f"{server}/bundle.task")
    (models_dir / "pose_landmarker_lite.task").write_bytes(BUNDLE)  # put there by hand
    with pytest.raises(FormcoachError, match=r"no sha256 in .*MANIFEST\.toml"):
        resolve_model("lite", models_dir)


@pytest.mark.parametrize("scheme", ["http", "file", "ftp"])
def test_only_https_is_fetched(models_dir: Path, scheme: str) -> None:
    with pytest.raises(FormcoachError, match="only https:// URLs"):
        download_model(lite(models_dir), models_dir, f"{scheme}://127.0.0.1/bundle.task")
    assert sorted(p.name for p in models_dir.iterdir()) == ["MANIFEST.toml"]


def test_a_redirect_to_plain_http_is_refused(server: str, models_dir: Path) -> None:
    with pytest.raises(FormcoachError, match="only https:// URLs"):
        download_model(lite(models_dir), models_dir, f"{server}/redirect")
    assert sorted(p.name for p in models_dir.iterdir()) == ["MANIFEST.toml"]


def test_checksum_mismatch_leaves_no_file(server: str, models_dir: Path) -> None:
    info = replace(lite(models_dir), sha256="0" * 64)
    with pytest.raises(FormcoachError, match="wrong checksum"):
        download_model(info, models_dir, f"{server}/bundle.task")
    assert sorted(p.name for p in models_dir.iterdir()) == ["MANIFEST.toml"]


@pytest.mark.parametrize(("path", "message"), [("/broken.task", "broke off|failed"), ("/page.html", "wrong checksum")])
def test_broken_or_wrong_download_leaves_no_file(server: str, models_dir: Path, path: str, message: str) -> None:
    with pytest.raises(FormcoachError, match=message):
        download_model(lite(models_dir), models_dir, f"{server}{path}")
    assert sorted(p.name for p in models_dir.iterdir()) == ["MANIFEST.toml"]


def test_unreachable_server_is_a_clear_error(models_dir: Path) -> None:
    with pytest.raises(FormcoachError, match="download of lite failed"):
        download_model(lite(models_dir), models_dir, "https://127.0.0.1:9/none.task")
