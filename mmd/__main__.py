# SPDX-License-Identifier: GPL-3.0-or-later
"""``python -m mmd2anime.mmd inspect FILE [--json]``: summary counts of an MMD file."""

from __future__ import annotations

import argparse
import json
import sys

from . import read
from .errors import MMDFormatError
from .model import Model, Motion, Pose


def summary(data: Model | Motion | Pose) -> dict:
    """The inspect keys for a Model, Motion or Pose."""
    if isinstance(data, Model):
        return {
            "format": data.format,
            "version": data.version,
            "name": data.name,
            "name_e": data.name_e,
            "vertices": len(data.positions),
            "faces": len(data.faces),
            "materials": len(data.materials),
            "bones": len(data.bones),
            "morphs": len(data.morphs),
            "rigid_bodies": len(data.rigid_bodies),
            "joints": len(data.joints),
            "textures": len(data.textures),
            "additional_uvs": int(data.additional_uvs.shape[1]),
        }
    if isinstance(data, Motion):
        return {
            "format": "vmd",
            "model": data.model,
            "bone_tracks": len(data.bone_tracks),
            "bone_keyframes": data.bone_keyframes,
            "morph_tracks": len(data.morph_tracks),
            "morph_keyframes": data.morph_keyframes,
            "camera_keyframes": 0 if data.camera is None else len(data.camera),
        }
    return {"format": "vpd", "bones": len(data.bones), "morphs": len(data.morphs)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mmd2anime.mmd", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    inspect = sub.add_parser("inspect", help="print the counts of a PMX, PMD, VMD or VPD file")
    inspect.add_argument("file")
    inspect.add_argument("--json", action="store_true", help="one JSON object")
    args = parser.parse_args(argv)  # bad usage exits 2 with argparse's one-line message
    try:
        info = summary(read(args.file))
    except MMDFormatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(info, ensure_ascii=False))
    else:
        width = max(map(len, info))
        for key, value in info.items():
            print(f"{key + ':':<{width + 1}} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
