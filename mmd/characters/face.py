# SPDX-License-Identifier: GPL-3.0-or-later
"""The head and its face: a tapered skull, and eyes, lashes, brows and mouth as decals
lying on it, each in a material of its own (named by role, so looks can find them).

Places on the head are angles: yaw ``u`` (0 = the face, +pi/2 = the character's left) and
pitch ``v`` (up), so a decal is drawn in angle space and lands on the curved skin.
"""

from __future__ import annotations

import numpy as np

from .body import Dims
from .geometry import Parts, disc, fan_faces, orient_along, rigid, ring_faces, strip


class Head:
    def __init__(self, dims: Dims, bone: int) -> None:
        self.center = np.asarray(dims.head_center, float)
        self.radii = np.asarray(dims.head_radii, float)
        self.size, self.child, self.bone = dims.head, dims.child, bone
        self.feminine, self.masculine = dims.feminine, dims.masculine

    @staticmethod
    def direction(u, v) -> np.ndarray:
        u, v = np.asarray(u, float), np.asarray(v, float)
        return np.stack([np.sin(u) * np.cos(v), np.sin(v), -np.cos(u) * np.cos(v)], -1)

    def point(self, d: np.ndarray) -> np.ndarray:
        """The skull surface in unit directions ``d`` (N, 3): a jaw tapering to the chin,
        a fuller back of the head."""
        x, y, z = d[..., 0], d[..., 1], d[..., 2]
        jaw = np.clip(-y, 0.0, 1.0) ** 1.5
        taper = 1.0 - (0.34 - 0.1 * self.child + 0.06 * self.masculine) * jaw
        back = np.where(z > 0, 1.0 - 0.3 * jaw + 0.06 * np.clip(y + 0.3, 0, 1), 1.0)
        rx, ry, rz = self.radii
        return self.center + np.stack([rx * x * taper, ry * y, rz * z * back * taper**0.5], -1)

    def surface(self, u, v, lift: float = 0.0) -> np.ndarray:
        """Points at angles (u, v), ``lift`` (fraction of the head height) off the skin."""
        pts = self.point(self.direction(u, v))
        out = pts - self.center
        out /= np.maximum(np.linalg.norm(out, axis=-1, keepdims=True), 1e-9)
        return pts + lift * self.size * out

    def outward(self, pts: np.ndarray) -> np.ndarray:
        return pts - self.center

    def skull(self, parts: Parts, material: str = "skin") -> None:
        rings, segments = 16, 24
        v = np.linspace(-np.pi / 2, np.pi / 2, rings + 1)[1:-1]
        u = np.linspace(-np.pi, np.pi, segments, endpoint=False)
        vv, uu = np.meshgrid(v, u, indexing="ij")
        rows = self.surface(uu.ravel(), vv.ravel())
        poles = self.surface(np.zeros(2), np.array([-np.pi / 2, np.pi / 2]))
        pos = np.concatenate([rows, poles])
        n = len(rows)
        faces = np.concatenate([ring_faces(rings - 1, segments),
                                fan_faces(n, np.arange(segments)),
                                fan_faces(n + 1, n - segments + np.arange(segments))])  # fmt: skip
        parts.add(material, pos, orient_along(pos, faces, self.outward(pos)),
                  *rigid(len(pos), self.bone))  # fmt: skip

    def decal(self, parts: Parts, material: str, u0: float, v0: float, au: float, av: float,
              lift: float, flat_top: float = 0.0) -> None:  # fmt: skip
        """An ellipse of angular radii (au, av) at (u0, v0); ``flat_top`` flattens its top."""
        uv, faces = disc(3, 18)
        vs = uv[:, 1] * np.where(uv[:, 1] > 0, 1.0 - flat_top, 1.0)
        pts = self.surface(u0 + au * uv[:, 0], v0 + av * vs, lift)
        parts.add(material, pts, orient_along(pts, faces, self.outward(pts)),
                  *rigid(len(pts), self.bone))  # fmt: skip

    def band(self, parts: Parts, material: str, u, v, thickness, lift: float) -> None:
        """A stroke along the curve (u, v) with a thickness (angles) per point."""
        u, v, half = np.asarray(u), np.asarray(v), np.asarray(thickness) / 2
        pts = np.concatenate([self.surface(u, v - half, lift), self.surface(u, v + half, lift)])
        faces = strip(len(u))
        parts.add(material, pts, orient_along(pts, faces, self.outward(pts)),
                  *rigid(len(pts), self.bone))  # fmt: skip

    def face(self, parts: Parts) -> None:
        """Eyes (white, iris, highlight), upper lashes, brows and mouth."""
        big = 1.0 + 0.25 * self.child + 0.1 * self.feminine - 0.15 * self.masculine
        au, av = 0.15 * big, 0.19 * big * (1.0 - 0.15 * self.masculine)
        v0 = -0.2 - 0.08 * self.child
        for sign in (1.0, -1.0):
            u0 = sign * (0.36 + 0.02 * self.child)
            self.decal(parts, "eye_white", u0, v0, au, av, 0.012, flat_top=0.15)
            self.decal(parts, "eyes", u0 - sign * 0.01, v0 - 0.12 * av, 0.66 * au, 0.8 * av,
                       0.02)  # fmt: skip
            self.decal(parts, "eye_white", u0 + sign * 0.3 * au, v0 + 0.3 * av, 0.18 * au,
                       0.16 * av, 0.028)  # fmt: skip
            # Upper lash line: follows the eye's top, thicker and winged at the outer end.
            t = np.linspace(-1.12, 1.2, 12)
            u = u0 + sign * t * au
            v = v0 + 0.86 * av * np.sqrt(np.clip(1.0 - (t / 1.12) ** 2, 0.0, 1.0)) + 0.02
            v = v - np.clip(t - 0.9, 0.0, None) * 0.15
            thick = (0.035 + 0.03 * np.clip(t, 0.0, None)) * big
            thick[[0, -1]] *= 0.3
            self.band(parts, "lashes", u, v, thick, 0.024)
            # Brow: a soft arch above, thinner for a child, straighter for a man.
            t = np.linspace(-0.9, 1.0, 8)
            u = u0 + sign * t * au * 1.05
            arch = 0.06 * (1.0 - t**2) * (1.0 - 0.6 * self.masculine)
            v = v0 + av + 0.16 + arch - 0.02 * t
            thick = (0.035 - 0.012 * self.child + 0.015 * self.masculine) * (1.2 - 0.4 * t**2)
            self.band(parts, "brows", u, v, thick, 0.014)
        # Mouth: a short, slightly smiling stroke.
        t = np.linspace(-1.0, 1.0, 7)
        u = 0.09 * t * (1.0 - 0.2 * self.child)
        v = -0.62 - 0.06 * self.child + 0.02 * t**2
        self.band(parts, "mouth", u, v, 0.035 * (1.0 - 0.5 * t**2), 0.012)
