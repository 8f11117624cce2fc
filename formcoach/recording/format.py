"""The recording folder's layout and the (de)serialisation of its lines, shared by writer
and reader so the two cannot disagree.

``recordings/<YYYY-MM-DD_HHMMSS>_<exercise>/``:
    meta.json      app and schema versions, model sha256, exercise file hashes, source,
                   resolution, fps (written first)
    poses.jsonl    one line per frame: {"i", "t", "xy", "vis", "world"} (null pose: no person;
                   "video": false when the frame was dropped from the video: the encoder
                   was too far behind)
    events.jsonl   one line per checker event
    said.jsonl     one line per cue the coach spoke (and showed): {"t", "key", "text"}
    video.avi      MJPEG in AVI: every frame is a whole JPEG, so a file cut off by a crash
                   still plays up to its last frame
    summary.json   written at the end (see formcoach.summary)
    pain.json      optional 0–10 pain ratings before/after
"""

from __future__ import annotations

from typing import Any

import numpy as np

from formcoach.types import Event, EventKind, Pose, Said

RECORDING_SCHEMA = 1
META, POSES, EVENTS, VIDEO, SUMMARY = "meta.json", "poses.jsonl", "events.jsonl", "video.avi", "summary.json"
SAID = "said.jsonl"


def said_to_json(said: Said) -> dict[str, Any]:
    return {"t": said.t, "key": said.key, "text": said.text}


def said_from_json(line: dict[str, Any]) -> Said:
    return Said(float(line["t"]), str(line["key"]), str(line["text"]))


def pose_to_json(t: float, frame_index: int, pose: Pose | None, in_video: bool | None = None) -> dict[str, Any]:
    """The pose exactly as analysed, so a replay reads the numbers the live run used. Its
    precision is set once, upstream: the estimator hands out ``Pose.quantized()`` poses.
    Only a frame missing from the video says so (``in_video`` False), keeping lines short."""
    line: dict[str, Any] = {"i": frame_index, "t": t}
    if in_video is False:
        line["video"] = False
    if pose is None:
        line["pose"] = None
        return line
    line["wh"] = list(pose.image_wh)
    line["xy"] = pose.xy.tolist()
    line["vis"] = pose.visibility.tolist()
    line["world"] = None if pose.world is None else pose.world.tolist()
    if pose.others_in_view:
        line["others"] = pose.others_in_view
    return line


def pose_from_json(line: dict[str, Any]) -> tuple[float, int, Pose | None]:
    t, index = float(line["t"]), int(line["i"])
    if "xy" not in line:
        return t, index, None
    world = line.get("world")
    pose = Pose(
        t=t,
        frame_index=index,
        xy=np.array(line["xy"], dtype=np.float64),
        visibility=np.array(line["vis"], dtype=np.float64),
        image_wh=(int(line["wh"][0]), int(line["wh"][1])),
        world=None if world is None else np.array(world, dtype=np.float64),
        others_in_view=int(line.get("others", 0)),
    )
    return t, index, pose


def in_video(line: dict[str, Any]) -> bool:
    """Whether the pose line's frame is in the video (older recordings: always)."""
    return line.get("video") is not False


def event_to_json(event: Event) -> dict[str, Any]:
    return {
        "t": event.t,
        "kind": event.kind.value,
        "key": event.key,
        "message": event.message,
        "priority": event.priority,
        "side": event.side,
        "data": event.data,
    }


def event_from_json(line: dict[str, Any]) -> Event:
    return Event(
        t=float(line["t"]),
        kind=EventKind(line["kind"]),
        key=line.get("key", ""),
        message=line.get("message", ""),
        priority=int(line.get("priority", 0)),
        side=line.get("side", ""),
        data=dict(line.get("data", {})),
    )
