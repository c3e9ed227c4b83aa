# SPDX-License-Identifier: GPL-3.0-or-later
"""Vectorised mesh pieces for characters: lofted tubes, decals on a surface, skin weights.

Faces are wound so that the signed volume is positive (the mannequin's convention, which
the importer mirrors into Blender's). Skin weights come from "keys" along a piece's own
parameter (arc length along a limb, height on the trunk): piecewise-linear blends of at
most two bones, so every joint blends smoothly over the width its keys give.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def ring_faces(rings: int, segments: int, offset: int = 0, wrap: bool = True) -> np.ndarray:
    """Quads (as two triangles) joining ``rings`` consecutive rows of ``segments`` points,
    closed around (loops) unless ``wrap`` is False."""
    r = np.arange(rings - 1)[:, None]
    s = np.arange(segments if wrap else segments - 1)[None, :]
    a = offset + r * segments + s
    b = offset + r * segments + (s + 1) % segments
    c, d = a + segments, b + segments
    return np.concatenate([np.stack([a, b, c], -1), np.stack([b, d, c], -1)], 1).reshape(-1, 3)


def fan_faces(center: int, loop: np.ndarray) -> np.ndarray:
    return np.stack([np.full(len(loop), center), np.roll(loop, -1), loop], -1)


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cross product of (N, 3) arrays (np.cross is slow on many small calls)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.stack([a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1],
                     a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
                     a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]], -1)  # fmt: skip


def orient_outward(pos: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """``faces`` flipped if their signed volume is negative (closed or nearly closed pieces)."""
    a, b, c = pos[faces[:, 0]], pos[faces[:, 1]], pos[faces[:, 2]]
    centered = a - pos.mean(0), b - pos.mean(0), c - pos.mean(0)
    volume = np.einsum("ij,ij->", centered[0], cross(centered[1], centered[2]))
    return faces if volume >= 0 else faces[:, ::-1].copy()


def vertex_normals(pos: np.ndarray, faces: np.ndarray) -> np.ndarray:
    a, b, c = pos[faces[:, 0]], pos[faces[:, 1]], pos[faces[:, 2]]
    face_n = cross(b - a, c - a)
    index = faces.ravel()
    spread = np.repeat(face_n, 3, axis=0)
    normals = np.stack([np.bincount(index, spread[:, j], len(pos)) for j in range(3)], -1)
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    return normals / np.maximum(length, 1e-12)


def path_frames(path: np.ndarray, side_hint) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(tangent, side, normal) unit vectors along a polyline; ``side`` follows the hint
    (one vector or one per point) made perpendicular to the tangent."""
    tangent = np.gradient(path, axis=0)
    tangent /= np.maximum(np.linalg.norm(tangent, axis=1, keepdims=True), 1e-12)
    hint = np.broadcast_to(np.asarray(side_hint, float), path.shape)
    side = hint - np.sum(hint * tangent, 1, keepdims=True) * tangent
    side /= np.maximum(np.linalg.norm(side, axis=1, keepdims=True), 1e-12)
    return tangent, side, cross(tangent, side)


def loft(
    path: np.ndarray,
    side_hint,
    rx: np.ndarray,
    rz: np.ndarray,
    segments: int,
    *,
    shape=None,
    caps: tuple[float, float] = (0.5, 0.5),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A tube along ``path`` (K, 3) with elliptical sections (radius ``rx`` along the side
    hint, ``rz`` across). ``shape(theta) -> (K, S)`` multiplies the radii (pleats, bulges).
    Caps close the ends, pushed out along the tangent by that fraction of the end radius
    (None leaves the end open). Returns positions, faces and each vertex's ring index."""
    path = np.asarray(path, float)
    k = len(path)
    tangent, side, normal = path_frames(path, side_hint)
    theta = np.linspace(0.0, 2 * np.pi, segments, endpoint=False)
    mult = np.ones((k, segments)) if shape is None else shape(theta)
    ax = (np.asarray(rx, float)[:, None] * mult)[..., None] * np.cos(theta)[None, :, None]
    az = (np.asarray(rz, float)[:, None] * mult)[..., None] * np.sin(theta)[None, :, None]
    pos = path[:, None] + ax * side[:, None] + az * normal[:, None]
    pos = pos.reshape(-1, 3)
    faces = [ring_faces(k, segments)]
    ring = [np.repeat(np.arange(k), segments)]
    points = [pos]
    count = len(pos)
    for end, push in ((0, caps[0]), (k - 1, caps[1])):
        if push is None:
            continue
        radius = 0.5 * (float(np.asarray(rx)[end]) + float(np.asarray(rz)[end]))
        direction = -tangent[0] if end == 0 else tangent[-1]
        points.append((path[end] + push * radius * direction)[None])
        loop = end * segments + np.arange(segments)
        faces.append(fan_faces(count, loop))
        ring.append(np.array([end]))
        count += 1
    pos = np.concatenate(points)
    return pos, orient_outward(pos, np.concatenate(faces)), np.concatenate(ring)


def orient_along(pos: np.ndarray, faces: np.ndarray, outward: np.ndarray) -> np.ndarray:
    """Faces of an open surface wound so that their normals agree with ``outward`` (N, 3)."""
    a, b, c = pos[faces[:, 0]], pos[faces[:, 1]], pos[faces[:, 2]]
    agree = np.einsum("ij,ij->", cross(b - a, c - a), outward[faces[:, 0]])
    return faces if agree >= 0 else faces[:, ::-1].copy()


def smooth_path(ctrl, count: int, passes: int = 3) -> np.ndarray:
    """``count`` points evenly along a polyline, corners rounded by Laplacian passes."""
    ctrl = np.asarray(ctrl, float)
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(ctrl, axis=0), axis=1))])
    s = np.linspace(0.0, arc[-1], count)
    path = np.stack([np.interp(s, arc, ctrl[:, j]) for j in range(3)], -1)
    for _ in range(passes):
        path[1:-1] = 0.25 * path[:-2] + 0.5 * path[1:-1] + 0.25 * path[2:]
    return path


def loft_batch(
    paths: np.ndarray,
    hints: np.ndarray,
    rx: np.ndarray,
    rz: np.ndarray,
    segments: int,
    caps: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray]:
    """``loft`` for B tubes of the same ring count at once (paths (B, K, 3), hints (B, K, 3),
    radii (B, K)), both ends capped: positions and faces of all of them, tube after tube."""
    b, k = paths.shape[:2]
    tangent = np.gradient(paths, axis=1)
    tangent /= np.maximum(np.linalg.norm(tangent, axis=-1, keepdims=True), 1e-12)
    side = hints - np.sum(hints * tangent, -1, keepdims=True) * tangent
    side /= np.maximum(np.linalg.norm(side, axis=-1, keepdims=True), 1e-12)
    normal = cross(tangent, side)
    theta = np.linspace(0.0, 2 * np.pi, segments, endpoint=False)
    ring = (paths[:, :, None] + (rx[..., None] * np.cos(theta))[..., None] * side[:, :, None]
            + (rz[..., None] * np.sin(theta))[..., None] * normal[:, :, None])  # fmt: skip
    radius0 = 0.5 * (rx[:, 0] + rz[:, 0])
    radius1 = 0.5 * (rx[:, -1] + rz[:, -1])
    start = paths[:, 0] - caps[0] * radius0[:, None] * tangent[:, 0]
    end = paths[:, -1] + caps[1] * radius1[:, None] * tangent[:, -1]
    pos = np.concatenate([ring.reshape(b, k * segments, 3), start[:, None], end[:, None]], 1)
    n = k * segments
    template = np.concatenate(
        [
            ring_faces(k, segments),
            fan_faces(n, np.arange(segments)),
            fan_faces(n + 1, (k - 1) * segments + np.arange(segments)),
        ]
    )
    faces = template[None] + (np.arange(b) * (n + 2))[:, None, None]
    flat = pos.reshape(-1, 3)
    # Wind each tube outward: the sign of its signed volume about its own center.
    center = pos.mean(1, keepdims=True)
    tri = pos[np.arange(b)[:, None, None], template[None]] - center[:, None]
    volume = np.einsum("btj,btj->b", tri[:, :, 0], cross(tri[:, :, 1], tri[:, :, 2]))
    faces[volume < 0] = faces[volume < 0][:, :, ::-1]
    return flat, faces.reshape(-1, 3)


def disc(rings: int, segments: int) -> tuple[np.ndarray, np.ndarray]:
    """A unit disc in (u, v): center first, then ``rings`` loops; faces wound +u x +v."""
    r = np.linspace(0.0, 1.0, rings + 1)[1:]
    a = np.linspace(0.0, 2 * np.pi, segments, endpoint=False)
    uv = np.concatenate([[[0.0, 0.0]], (r[:, None, None] * np.stack(
        [np.cos(a), np.sin(a)], -1)[None]).reshape(-1, 2)])  # fmt: skip
    first = fan_faces(0, 1 + np.arange(segments))[:, ::-1]
    faces = np.concatenate([first, ring_faces(rings, segments, 1)[:, [0, 2, 1]]])
    return uv, faces


def strip(count: int) -> np.ndarray:
    """Faces of a two-row strip (row 0 vertices 0..count-1, row 1 count..2count-1)."""
    i = np.arange(count - 1)
    return np.concatenate([np.stack([i, i + 1, i + count], -1),
                           np.stack([i + 1, i + 1 + count, i + count], -1)])  # fmt: skip


def key_weights(s: np.ndarray, keys: list[tuple[float, int]]) -> tuple[np.ndarray, np.ndarray]:
    """(N, 2) bones and weights: linear between consecutive keys (position, bone index),
    the first bone before the first key, the last after the last."""
    at = np.array([k[0] for k in keys], float)
    bone = np.array([k[1] for k in keys], np.int32)
    hi = np.clip(np.searchsorted(at, s, side="right"), 0, len(at) - 1)
    lo = np.clip(hi - 1, 0, len(at) - 1)
    span = at[hi] - at[lo]
    t = np.where(span > 1e-9, (s - at[lo]) / np.where(span > 1e-9, span, 1.0), 0.0)
    t = np.clip(t, 0.0, 1.0)
    bones = np.stack([bone[lo], bone[hi]], 1)
    weights = np.stack([1.0 - t, t], 1)
    same = bones[:, 0] == bones[:, 1]
    weights[same] = (1.0, 0.0)
    return bones, weights


def rigid(n: int, bone: int) -> tuple[np.ndarray, np.ndarray]:
    bones = np.zeros((n, 2), np.int32)
    bones[:, 0] = bone
    weights = np.zeros((n, 2))
    weights[:, 0] = 1.0
    return bones, weights


@dataclass
class Piece:
    positions: np.ndarray
    faces: np.ndarray
    bones: np.ndarray  # (N, 2) int
    weights: np.ndarray  # (N, 2)
    normals: np.ndarray | None = None  # computed from the faces when None


@dataclass
class Parts:
    """Pieces collected per material key, in the order materials were first used."""

    pieces: dict[str, list[Piece]] = field(default_factory=dict)

    def add(self, material: str, pos, faces, bones, weights, normals=None) -> None:
        piece = Piece(np.asarray(pos, float), np.asarray(faces, np.int64), bones, weights,
                      normals)  # fmt: skip
        self.pieces.setdefault(material, []).append(piece)

    def triangles(self) -> int:
        return sum(len(p.faces) for pieces in self.pieces.values() for p in pieces)
