# SPDX-License-Identifier: GPL-3.0-or-later
"""VMD motion reader and writer (no bpy). Keyframe tables are read as numpy record arrays."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import model as m
from ._binary import Cursor, decode_sjis, encode_sjis

MAGIC = b"Vocaloid Motion Data"
_HEADER_NEW = b"Vocaloid Motion Data 0002"
_HEADER_OLD = b"Vocaloid Motion Data file"

BONE_DTYPE = np.dtype(
    [
        ("name", "S15"),
        ("frame", "<u4"),
        ("pos", "<f4", (3,)),
        ("rot", "<f4", (4,)),
        ("interp", "u1", (64,)),
    ]
)
MORPH_DTYPE = np.dtype([("name", "S15"), ("frame", "<u4"), ("weight", "<f4")])
CAMERA_DTYPE = np.dtype(
    [
        ("frame", "<u4"),
        ("distance", "<f4"),
        ("position", "<f4", (3,)),
        ("rotation", "<f4", (3,)),
        ("interpolation", "u1", (24,)),
        ("fov", "<u4"),
        ("orthographic", "u1"),  # 0 = perspective on
    ]
)
LIGHT_DTYPE = np.dtype([("frame", "<u4"), ("color", "<f4", (3,)), ("direction", "<f4", (3,))])
SHADOW_DTYPE = np.dtype([("frame", "<u4"), ("mode", "u1"), ("distance", "<f4")])


def _names(raw: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Decoded unique names and, per key, the index of its name (decode each name once)."""
    unique, inverse = np.unique(raw, return_inverse=True)
    return [decode_sjis(bytes(b)) for b in unique], inverse.reshape(-1)


def read_vmd(data: bytes, path: str | Path = "<bytes>") -> m.Motion:
    """A Motion from the bytes of a VMD file; raises MMDFormatError when invalid."""
    cur = Cursor(data, str(path))
    header = cur.raw(30).split(b"\0", 1)[0]
    if header == _HEADER_NEW:
        name_size = 20
    elif header == _HEADER_OLD:
        name_size = 10
    else:
        raise cur.fail("not a VMD file (bad 'Vocaloid Motion Data' header)", 0)
    motion = m.Motion(model=cur.sjis(name_size))

    cur.section = "bone keyframes"
    keys = cur.array(BONE_DTYPE, cur.count("I", BONE_DTYPE.itemsize, "bone keyframe"))
    names, which = _names(keys["name"])
    for i, name in enumerate(names):
        sel = keys[which == i]
        sel = sel[np.argsort(sel["frame"], kind="stable")]
        # Byte b[curve + 4 * param] holds param (x1, y1, x2, y2) of curve (x, y, z, rotation).
        interp = sel["interp"][:, :16].reshape(-1, 4, 4).transpose(0, 2, 1)
        track = m.BoneTrack(
            sel["frame"].astype(np.int32), sel["pos"].copy(), sel["rot"].copy(), interp.copy()
        )
        _merge_bone(motion.bone_tracks, name, track)

    cur.section = "morph keyframes"
    if not cur.left:
        return motion
    keys = cur.array(MORPH_DTYPE, cur.count("I", MORPH_DTYPE.itemsize, "morph keyframe"))
    names, which = _names(keys["name"])
    for i, name in enumerate(names):
        sel = keys[which == i]
        sel = sel[np.argsort(sel["frame"], kind="stable")]
        track = m.MorphTrack(sel["frame"].astype(np.int32), sel["weight"].copy())
        old = motion.morph_tracks.get(name)
        if old is not None:  # two raw names that decode alike: keep both key sets
            frames = np.concatenate([old.frames, track.frames])
            order = np.argsort(frames, kind="stable")
            track = m.MorphTrack(frames[order], np.concatenate([old.weights, track.weights])[order])
        motion.morph_tracks[name] = track

    for section, dtype, attr in (
        ("camera keyframes", CAMERA_DTYPE, "camera"),
        ("light keyframes", LIGHT_DTYPE, "light"),
        ("self-shadow keyframes", SHADOW_DTYPE, "shadow"),
    ):
        cur.section = section
        if not cur.left:
            return motion
        setattr(motion, attr, cur.array(dtype, cur.count("I", dtype.itemsize, section)).copy())

    cur.section = "IK keyframes"
    if not cur.left:
        return motion
    for _ in range(cur.count("I", 9, "IK keyframe")):
        frame, show = cur.unpack("IB")
        count = cur.count("I", 21, "IK state")
        states = {}
        for _ in range(count):
            name = cur.sjis(20)
            states[name] = bool(cur.one("B"))
        motion.ik_toggles.append({"frame": frame, "show": bool(show), "ik": states})
    return motion


def _merge_bone(tracks: dict[str, m.BoneTrack], name: str, track: m.BoneTrack) -> None:
    old = tracks.get(name)
    if old is not None:
        parts = [old, track]
        frames = np.concatenate([p.frames for p in parts])
        order = np.argsort(frames, kind="stable")
        track = m.BoneTrack(
            frames[order],
            np.concatenate([p.translations for p in parts])[order],
            np.concatenate([p.rotations for p in parts])[order],
            np.concatenate([p.interpolation for p in parts])[order],
        )
    tracks[name] = track


def _bone_interp_bytes(curves: np.ndarray) -> np.ndarray:
    """The 64 VMD bytes from (K, 4, 4) curves: 16 bytes then three shifted copies."""
    first = np.asarray(curves, np.uint8).transpose(0, 2, 1).reshape(-1, 16)
    out = np.zeros((len(first), 64), np.uint8)
    for row in range(4):
        out[:, row * 16 + 0 : row * 16 + 16 - row] = first[:, row:]
    return out


def write_vmd(motion: m.Motion, path: str | Path) -> None:
    """Write a Motion as a VMD 0002 file (names Shift-JIS, cut to their fields)."""
    parts = [_HEADER_NEW.ljust(30, b"\0"), encode_sjis(motion.model, 20)]
    bones = []
    for name, track in motion.bone_tracks.items():
        rec = np.zeros(len(track.frames), BONE_DTYPE)
        rec["name"] = encode_sjis(name, 15)
        rec["frame"] = track.frames
        rec["pos"], rec["rot"] = track.translations, track.rotations
        rec["interp"] = _bone_interp_bytes(track.interpolation)
        bones.append(rec)
    morphs = []
    for name, track in motion.morph_tracks.items():
        rec = np.zeros(len(track.frames), MORPH_DTYPE)
        rec["name"], rec["frame"], rec["weight"] = (
            encode_sjis(name, 15),
            track.frames,
            track.weights,
        )
        morphs.append(rec)
    for chunks, dtype in ((bones, BONE_DTYPE), (morphs, MORPH_DTYPE)):
        table = np.concatenate(chunks) if chunks else np.zeros(0, dtype)
        parts += [np.uint32(len(table)).tobytes(), table.tobytes()]
    for table, dtype in (
        (motion.camera, CAMERA_DTYPE),
        (motion.light, LIGHT_DTYPE),
        (motion.shadow, SHADOW_DTYPE),
    ):
        table = np.zeros(0, dtype) if table is None else np.asarray(table, dtype)
        parts += [np.uint32(len(table)).tobytes(), table.tobytes()]
    parts.append(np.uint32(len(motion.ik_toggles)).tobytes())
    for key in motion.ik_toggles:
        parts.append(np.array([key["frame"]], "<u4").tobytes() + bytes([int(key["show"])]))
        parts.append(np.uint32(len(key["ik"])).tobytes())
        parts += [encode_sjis(name, 20) + bytes([int(on)]) for name, on in key["ik"].items()]
    Path(path).write_bytes(b"".join(parts))
