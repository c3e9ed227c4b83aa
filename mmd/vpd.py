# SPDX-License-Identifier: GPL-3.0-or-later
"""VPD pose reader and writer: Shift-JIS text with Bone/Morph blocks (no bpy)."""

from __future__ import annotations

import re
from pathlib import Path

from . import model as m
from .errors import MMDFormatError

MAGIC = b"Vocaloid Pose Data file"
_COMMENT = re.compile(r"//[^\n]*")
_BLOCK = re.compile(r"(Bone|Morph)\d*\s*\{([^\n}]*)([^}]*)\}")


def _numbers(text: str, count: int, path: str, what: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != count:
        raise MMDFormatError(path, "pose", -1, f"{what}: expected {count} numbers, got {text!r}")
    return values


def read_vpd(data: bytes, path: str | Path = "<bytes>") -> m.Pose:
    """A Pose from the bytes of a VPD file; raises MMDFormatError when invalid."""
    path = str(path)
    if not data.startswith(MAGIC):
        raise MMDFormatError(path, "header", 0, "not a VPD file (no 'Vocaloid Pose Data file')")
    text = _COMMENT.sub("", data[len(MAGIC) :].decode("cp932", errors="replace"))
    head = text.split("{", 1)[0]
    fields = [f.strip() for f in head.split(";")]
    if len(fields) < 2 or not fields[0] or not fields[1].isdigit():
        raise MMDFormatError(path, "header", len(MAGIC), "missing model name or bone count")
    pose = m.Pose(model=fields[0])
    for kind, name, body in _BLOCK.findall(text):
        name, values = name.strip(), [v.strip() for v in body.split(";")]
        if kind == "Bone":
            if len(values) < 2:
                raise MMDFormatError(path, "pose", -1, f"bone {name!r}: needs 2 values")
            t = _numbers(values[0], 3, path, f"bone {name!r} translation")
            q = _numbers(values[1], 4, path, f"bone {name!r} rotation")
            pose.bones[name] = m.BoneKey(t, q)
        else:
            pose.morphs[name] = _numbers(values[0], 1, path, f"morph {name!r} weight")[0]
    if text.count("{") != len(_BLOCK.findall(text)):
        raise MMDFormatError(path, "pose", -1, "unclosed or malformed Bone/Morph block")
    if len(pose.bones) != int(fields[1]):  # also catches a file cut between two blocks
        message = f"header declares {fields[1]} bones, found {len(pose.bones)}"
        raise MMDFormatError(path, "pose", -1, message)
    return pose


def write_vpd(pose: m.Pose, path: str | Path) -> None:
    """Write a Pose as Shift-JIS VPD (CRLF lines as MikuMikuDance writes them)."""
    model = pose.model or "model.osm"
    lines = [
        "Vocaloid Pose Data file",
        "",
        f"{model};\t\t// parent file",
        f"{len(pose.bones)};",
        "",
    ]
    for i, (name, key) in enumerate(pose.bones.items()):
        t = ",".join(repr(float(v)) for v in key.translation)
        q = ",".join(repr(float(v)) for v in key.rotation)
        lines += [f"Bone{i}{{{name}", f"  {t};", f"  {q};", "}", ""]
    for i, (name, weight) in enumerate(pose.morphs.items()):
        lines += [f"Morph{i}{{{name}", f"  {float(weight)!r};", "}", ""]
    Path(path).write_bytes("\r\n".join(lines).encode("cp932"))
