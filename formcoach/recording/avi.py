"""The session video as an MJPEG AVI written frame by frame, each frame handed to the OS whole.

OpenCV's writers report nothing when the disk fills (their streams fail silently and the rest
of the video is lost without a word); writing the container here makes a failed write an
OSError at the frame it happened to, so a recording knows exactly how much video it has.
"""

from __future__ import annotations

import contextlib
import struct
from pathlib import Path

import cv2

from formcoach.files import WholeWrites
from formcoach.types import ImageArray

JPEG_QUALITY = 75
_AVIF_HASINDEX = 0x10
_AVIIF_KEYFRAME = 0x10
_SCALE = 1000  # frame rate as rate/scale: 29.97 fps stays 29.97
# Where the counts patched in at the end live: the header's total frames, the stream's
# length, and the sizes of the RIFF and movi lists (0 until then, which players accept: a
# video cut short by kill -9 still plays).
_RIFF_SIZE_AT, _TOTAL_FRAMES_AT, _LENGTH_AT, _MOVI_SIZE_AT, _MOVI_AT = 4, 48, 140, 216, 220


def _chunk(fourcc: bytes, data: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(data)) + data + b"\0" * (len(data) % 2)


def _header(fps: float, size: tuple[int, int]) -> bytes:
    width, height = size
    avih = struct.pack(
        "<10I16x", round(1e6 / fps), 0, 0, _AVIF_HASINDEX, 0, 0, 1, 0, width, height
    )  # µs per frame, max rate, padding, flags, frames, initial frames, streams, buffer, size
    strh = struct.pack(
        "<4s4sIHHIIIIIIII4H",
        b"vids",
        b"MJPG",
        0,
        0,
        0,
        0,
        _SCALE,
        round(fps * _SCALE),
        0,
        0,
        0,
        0xFFFFFFFF,
        0,
        0,
        0,
        width,
        height,
    )  # kind, codec, flags, priority, language, initial frames, scale, rate, start, length, buffer, quality…
    strf = struct.pack("<IiiHH4sIiiII", 40, width, height, 1, 24, b"MJPG", width * height * 3, 0, 0, 0, 0)
    strl = b"strl" + _chunk(b"strh", strh) + _chunk(b"strf", strf)
    hdrl = b"hdrl" + _chunk(b"avih", avih) + _chunk(b"LIST", strl)
    return b"RIFF" + struct.pack("<I", 0) + b"AVI " + _chunk(b"LIST", hdrl) + b"LIST" + struct.pack("<I", 0) + b"movi"


class MjpegAvi:
    """An owner-only MJPEG AVI at ``path``; every ``write`` reaches the OS before it returns
    and raises OSError (ENOSPC, EFBIG…) if it could not."""

    def __init__(self, path: Path, fps: float, size: tuple[int, int]) -> None:
        self.size = size
        self._file = WholeWrites(path, truncate=True)
        self._index: list[tuple[int, int]] = []  # (offset from "movi", size) per frame
        self._file.append(_header(fps, size))
        self._movi_end = self._file.length

    def write(self, image: ImageArray) -> None:
        _, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        self._file.append(_chunk(b"00dc", jpeg.tobytes()))
        self._index.append((self._movi_end - _MOVI_AT, len(jpeg)))
        self._movi_end = self._file.length

    @property
    def frames(self) -> int:
        """Frames written whole so far."""
        return len(self._index)

    def close(self) -> None:
        """The index and the counts, so players can seek. On a full disk they are left out:
        the frames stay, and players find them without (as after a kill -9)."""
        index = b"".join(struct.pack("<4sIII", b"00dc", _AVIIF_KEYFRAME, at, n) for at, n in self._index)
        with contextlib.suppress(OSError):
            self._file.append(_chunk(b"idx1", index))
        with contextlib.suppress(OSError):  # in place, but a copy-on-write file system may need room
            for at, value in (
                (_RIFF_SIZE_AT, self._file.length - 8),
                (_TOTAL_FRAMES_AT, self.frames),
                (_LENGTH_AT, self.frames),
                (_MOVI_SIZE_AT, self._movi_end - _MOVI_AT),
            ):
                self._file.overwrite(at, struct.pack("<I", value))
        self._file.close()
