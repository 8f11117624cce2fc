"""Rebuild ``pose_landmarker_full.task`` offline from weights published on PyPI.

The official ``.task`` bundles live on Google's model storage, which is unreachable from
many machines. The same BlazePose GHUM 3D weights (Apache-2.0) ship inside the
``mediapipe==0.10.21`` wheel, without the TFLite metadata that the Tasks API requires.
This script:

1. downloads that wheel (``pip download``; nothing is installed into your environment),
2. creates a throwaway virtual environment with ``mediapipe==0.10.21`` and ``numpy<2``,
   because the metadata writer of the 1.x line is broken,
3. inside it, adds image-input normalisation metadata to both models and writes an
   uncompressed zip with fixed timestamps, so the output is byte-for-byte reproducible.

Usage::

    python models/build_pose_model.py            # writes models/pose_landmarker_full.task
    python models/build_pose_model.py --check    # rebuilds into a temp dir, compares sha256

This is a maintainer tool: the product never runs it.
"""

from __future__ import annotations

import argparse
import hashlib
import struct
import subprocess
import sys
import tempfile
import venv
import zipfile
from pathlib import Path

WHEEL_REQUIREMENT = "mediapipe==0.10.21"
WHEEL_MEMBERS = {
    "pose_detector.tflite": "mediapipe/modules/pose_detection/pose_detection.tflite",
    "pose_landmarks_detector.tflite": "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
}
# (norm_mean, norm_std, number of output tensors) as the Tasks graph expects them.
NORMALISATION = {
    "pose_detector.tflite": (127.5, 127.5, 2),
    "pose_landmarks_detector.tflite": (0.0, 255.0, 5),
}
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# TFLite maps the models straight out of the bundle; their data must start on an aligned
# offset or every constant tensor is copied to the heap (the "unaligned buffer" warning).
MEMBER_ALIGNMENT = 64
ZIPALIGN_EXTRA_ID = 0xD935  # the extra-field id Android's zipalign uses for padding
LOCAL_HEADER_SIZE = 30
MODELS_DIR = Path(__file__).resolve().parent
BUNDLE_NAME = "pose_landmarker_full.task"


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _alignment_padding(header_offset: int, name: str) -> bytes:
    fixed = header_offset + LOCAL_HEADER_SIZE + len(name.encode()) + 6
    pad = -fixed % MEMBER_ALIGNMENT
    return struct.pack("<HHH", ZIPALIGN_EXTRA_ID, 2 + pad, MEMBER_ALIGNMENT) + bytes(pad)


def write_bundle(wheel: Path, out: Path) -> None:
    """Runs inside the throwaway environment that has mediapipe 0.10.21."""
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    with (
        zipfile.ZipFile(wheel) as wheel_zip,
        out.open("wb") as out_file,
        zipfile.ZipFile(out_file, "w", zipfile.ZIP_STORED) as bundle,
    ):
        for name, member in WHEEL_MEMBERS.items():
            mean, std, outputs = NORMALISATION[name]
            writer = metadata_writer.MetadataWriter.create(bytearray(wheel_zip.read(member)))
            writer.add_general_info(name.removesuffix(".tflite"), "MediaPipe BlazePose GHUM 3D")
            writer.add_image_input(norm_mean=[mean], norm_std=[std])
            for _ in range(outputs):
                writer.add_feature_output()
            model_bytes, _ = writer.populate()
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.extra = _alignment_padding(out_file.tell(), name)
            bundle.writestr(info, bytes(model_bytes))


def build(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--python-version",
                "3.11",
                "--platform",
                "manylinux_2_28_x86_64",
                "-d",
                str(tmp),
                WHEEL_REQUIREMENT,
            ],
            check=True,
        )
        wheel = next(tmp.glob("mediapipe-0.10.21-*.whl"))
        env_dir = tmp / "venv"
        venv.create(env_dir, with_pip=True)
        python = env_dir / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
        subprocess.run([str(python), "-m", "pip", "install", "-q", WHEEL_REQUIREMENT, "numpy<2"], check=True)
        subprocess.run([str(python), __file__, "--write-bundle", str(wheel), str(out)], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="rebuild to a temp dir and compare with MANIFEST")
    parser.add_argument("--write-bundle", nargs=2, metavar=("WHEEL", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_bundle:
        write_bundle(Path(args.write_bundle[0]), Path(args.write_bundle[1]))
        return
    if args.check:
        with tempfile.TemporaryDirectory() as tmp_dir:
            out = Path(tmp_dir) / BUNDLE_NAME
            build(out)
            rebuilt, shipped = sha256_of(out), sha256_of(MODELS_DIR / BUNDLE_NAME)
            print(f"rebuilt {rebuilt}\nshipped {shipped}")
            sys.exit(0 if rebuilt == shipped else 1)
    out = MODELS_DIR / BUNDLE_NAME
    build(out)
    print(f"{out.name} {out.stat().st_size} bytes sha256 {sha256_of(out)}")


if __name__ == "__main__":
    main()
