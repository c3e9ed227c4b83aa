# SPDX-License-Identifier: GPL-3.0-or-later
"""The body: proportions from a few parameters, and the skin as lofted, skinned surfaces.

Every surface is a function of the skeleton (height on the trunk, arc length along a
limb), and so are its weights. Clothes are the same surfaces pushed outward, so a sleeve
carries the weights of the arm beneath it and follows it exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import Bone
from .geometry import Parts, key_weights, loft, loft_batch, orient_along, rigid, ring_faces
from .params import Body
from .skeleton import Proportions

MANNEQUIN_BODY = 16.35  # the mannequin's height below the chin, the unit of the limb sizes


@dataclass(frozen=True)
class Dims:
    """Sizes of the body beyond the bone positions, in MMD units."""

    height: float
    head: float  # head height (height / heads)
    head_center: tuple[float, float, float]
    head_radii: tuple[float, float, float]
    neck: float  # neck radius
    limb: float  # scale of limb radii
    chest: tuple[float, float]  # half width, half depth
    waist: tuple[float, float]
    hips: tuple[float, float]
    bust: float  # forward bulge of the chest, fraction of its depth
    feminine: float
    masculine: float
    child: float  # 1 for a child, 0 for an adult (rounder face, bigger eyes)


def proportions(body: Body) -> tuple[Proportions, Dims]:
    """Bone landmarks and body sizes for ``body`` (rest directions as the mannequin's)."""
    height, head = body.height, body.height / body.heads
    chin = height - head
    below = height - head  # the body under the chin
    fem, masc = max(body.silhouette, 0.0), max(-body.silhouette, 0.0)
    child = {"child": 1.0, "teen": 0.4, "adult": 0.0}[body.age]
    unit = below / MANNEQUIN_BODY
    hip_y = height * (0.46 + 0.022 * (body.heads - 5.0))
    arm_y = chin - head * (0.34 + 0.08 * (1.0 - child))
    torso = arm_y - hip_y
    shoulder_x = below * (0.080 + 0.014 * masc - 0.006 * fem + 0.008 * body.build)
    hip_x = below * (0.050 + 0.008 * fem + 0.004 * body.build)
    eye = (0.17 * head, height - 0.6 * head, -0.04 * head - 0.4 * head)
    p = Proportions(
        center_y=0.8 * hip_y,
        groove_y=0.82 * hip_y,
        waist=(hip_y + 0.04 * torso, 0.2 * unit),
        upper_y=hip_y + 0.2 * torso,
        upper2_y=hip_y + 0.52 * torso,
        neck_y=chin - 0.18 * head,
        head_y=chin + 0.1 * head,
        eye=eye,
        both_eyes_y=height + 0.3 * head,
        clavicle=(0.3 * unit, arm_y + 0.3 * unit),
        shoulder=(shoulder_x, arm_y),
        upper_arm=0.175 * below,
        forearm=0.155 * below,
        hand=0.82 * unit,
        hip=(hip_x, hip_y),
        knee=(0.55 * hip_y, -0.1 * unit),
        ankle=(0.1 * hip_y, 0.1 * unit),
        toe_z=-0.15 * hip_y,
    )
    limb = unit * (0.85 + 0.3 * body.build)
    chest_w = shoulder_x * (0.80 - 0.04 * fem)
    waist_w = shoulder_x * (0.66 - 0.10 * fem + 0.06 * masc + 0.06 * body.build)
    hips_w = hip_x + 0.6 * limb * (1.0 + 0.25 * fem - 0.1 * masc)
    dims = Dims(
        height=height,
        head=head,
        head_center=(0.0, height - 0.5 * head, -0.04 * head),
        head_radii=(head * (0.42 + 0.03 * child), 0.5 * head, head * (0.46 + 0.02 * child)),
        neck=0.36 * limb * (1.0 + 0.2 * masc),
        limb=limb,
        chest=(chest_w, chest_w * 0.62),
        waist=(waist_w, waist_w * 0.72),
        hips=(hips_w, hips_w * 0.66),
        bust=0.28 * fem * (1.0 - child),
        feminine=fem,
        masculine=masc,
        child=child,
    )
    return p, dims


class Figure:
    """Surfaces of one body: the skin, and the same surfaces offset for clothes."""

    def __init__(self, p: Proportions, dims: Dims, bones: list[Bone]) -> None:
        self.p, self.d = p, dims
        self.index = {b.name: i for i, b in enumerate(bones)}
        self.pos = {b.name: np.asarray(b.position, float) for b in bones}
        torso = p.shoulder[1] - p.hip[1]
        self.torso_len = torso
        self.thigh = 0.78 * dims.limb * (1.0 + 0.1 * dims.feminine)
        # Trunk profile: height -> half width, half depth, center z, chest bulge.
        hip_y, arm_y = p.hip[1], p.shoulder[1]
        crotch = hip_y - 0.45 * self.thigh
        (cw, cd), (ww, wd), (hw, hd) = dims.chest, dims.waist, dims.hips
        self.crotch_y = crotch
        self.top_y = arm_y + 0.16 * torso
        self.profile = np.array([
            (crotch, 0.55 * hw, 0.6 * hd, 0.05 * hd, 0.0),
            (hip_y, hw, hd, 0.08 * hd, 0.0),
            (hip_y + 0.18 * torso, 0.97 * hw, 0.95 * hd, 0.05 * hd, 0.0),
            (hip_y + 0.42 * torso, ww, wd, 0.0, 0.0),
            (hip_y + 0.75 * torso, cw, cd, -0.05 * cd, dims.bust),
            (arm_y, p.shoulder[0] * 0.92, cd * 0.82, 0.0, 0.3 * dims.bust),
            (arm_y + 0.10 * torso, dims.neck * 1.9, dims.neck * 1.45, 0.05 * cd, 0.0),
            (self.top_y, dims.neck * 1.1, dims.neck * 1.0, 0.05 * cd, 0.0),
        ])  # fmt: skip
        self.trunk_keys = [
            (p.upper_y - 0.12 * torso, self.index["下半身"]),
            (p.upper_y + 0.12 * torso, self.index["上半身"]),
            (p.upper2_y - 0.10 * torso, self.index["上半身"]),
            (p.upper2_y + 0.10 * torso, self.index["上半身2"]),
            (p.neck_y - 0.05 * torso, self.index["上半身2"]),
            (p.neck_y + 0.1 * torso, self.index["首"]),
        ]

    # --- the trunk -------------------------------------------------------------------

    def trunk_section(self, y: np.ndarray) -> tuple[np.ndarray, ...]:
        """Half width, half depth, center z and bulge at heights ``y`` (smooth)."""
        prof = self.profile
        y = np.clip(y, prof[0, 0], prof[-1, 0])
        return tuple(np.interp(y, prof[:, 0], prof[:, k]) for k in range(1, 5))

    def trunk_points(self, y: np.ndarray, theta: np.ndarray, extra: float) -> np.ndarray:
        """Points on the trunk surface (theta 0 = +X, pi/2 = the back +Z), pushed out."""
        rx, rz, zc, bulge = self.trunk_section(y)
        front = np.clip(-np.sin(theta), 0.0, None)
        depth = rz * (1.0 + bulge * front**2)
        x = (rx + extra) * np.cos(theta)
        z = zc + (depth + extra) * np.sin(theta)
        return np.stack([x, y, z], -1)

    def trunk_weights(self, pts: np.ndarray, skirt: bool = True):
        """Trunk keys by height; below the hips (skirts, coat tails) blended into the leg
        on each side, more toward the hem, none at the middle so nothing tears."""
        bones, weights = key_weights(pts[:, 1], self.trunk_keys)
        if not skirt:
            return bones, weights
        hip_y = self.p.hip[1]
        below = np.clip((hip_y - pts[:, 1]) / (0.5 * hip_y), 0.0, 1.0)
        middle = np.clip(np.abs(pts[:, 0]) / (1.2 * self.p.hip[0]), 0.0, 1.0)
        leg = 0.85 * below**1.2 * middle * (3 - 2 * middle) * middle
        side = np.where(pts[:, 0] >= 0, self.index["左足"], self.index["右足"])
        low = pts[:, 1] < hip_y
        bones[low, 1] = side[low]
        weights[low, 0] = 1.0 - leg[low]
        weights[low, 1] = leg[low]
        return bones, weights

    def trunk_patch(self, parts: Parts, material: str, bottom, top, extra: float, *,
                    rows: int = 14, segments: int = 32, flare=None, pleats: int = 0,
                    arc: tuple[float, float] | None = None) -> np.ndarray:  # fmt: skip
        """A garment around the trunk between heights ``bottom(theta)`` and ``top(theta)``
        (numbers or functions of theta: 0 = +X, pi/2 = the back, 3 pi/2 = the front),
        ``extra`` outside the skin, plus ``flare(t)`` toward the bottom (t = 0 at the top,
        1 at the bottom). Below the hips it keeps the hips' section (skirts, coat tails);
        ``arc`` limits it to a range of theta. Returns its positions."""
        if arc is None:
            theta = np.linspace(0.0, 2 * np.pi, segments, endpoint=False)
        else:
            theta = np.linspace(arc[0], arc[1], segments)
        y0 = bottom(theta) if callable(bottom) else np.full(segments, float(bottom))
        y1 = top(theta) if callable(top) else np.full(segments, float(top))
        t = np.linspace(0.0, 1.0, rows)[:, None]
        y = (y1[None] + (y0 - y1)[None] * t).ravel()
        th = np.broadcast_to(theta, (rows, segments)).ravel()
        tt = np.broadcast_to(t, (rows, segments)).ravel()
        grow = extra + (flare(tt) if flare is not None else 0.0)
        rx, rz, zc, bulge = self.trunk_section(np.maximum(y, self.p.hip[1]))
        if pleats:
            wave = np.abs(np.sin(0.5 * pleats * th))
            grow = grow + 0.06 * self.d.limb * tt * (wave - 0.5)
        front = np.clip(-np.sin(th), 0.0, None)
        depth = rz * (1.0 + bulge * front**2)
        pts = np.stack([(rx + grow) * np.cos(th), y, zc + (depth + grow) * np.sin(th)], -1)
        faces = ring_faces(rows, segments, wrap=arc is None)
        radial = pts - np.stack([np.zeros_like(y), y, zc], -1)
        faces = orient_along(pts, faces, radial)
        parts.add(material, pts, faces, *self.trunk_weights(pts))
        return pts

    def trunk(self, parts: Parts, material: str = "skin") -> None:
        y = np.linspace(self.crotch_y, self.top_y, 12)  # mostly under clothes: coarse
        rx, rz, zc, bulge = self.trunk_section(y)
        path = np.stack([np.zeros_like(y), y, zc], -1)

        def shape(theta):
            front = np.clip(-np.sin(theta), 0.0, None)  # +Z is the back: -Z the front
            return 1.0 + bulge[:, None] * np.abs(np.sin(theta))[None] * front[None] ** 2

        pos, faces, _ = loft(path, (1.0, 0.0, 0.0), rx, rz, 18, shape=shape, caps=(0.4, 0.3))
        parts.add(material, pos, faces, *self.trunk_weights(pos, skirt=False))

    def neck(self, parts: Parts, material: str = "skin", extra: float = 0.0) -> None:
        p, r = self.p, self.d.neck + extra
        y = np.linspace(p.shoulder[1], p.head_y + 0.25 * self.d.head, 7)
        path = np.stack([np.zeros_like(y), y, np.full_like(y, 0.05 * self.d.head)], -1)
        pos, faces, _ = loft(path, (1.0, 0.0, 0.0), np.full(7, r), np.full(7, r * 0.95), 12)
        keys = [(p.neck_y - 0.1 * self.d.head, self.index["上半身2"]),
                (p.neck_y + 0.15 * self.d.head, self.index["首"]),
                (p.head_y - 0.05 * self.d.head, self.index["首"]),
                (p.head_y + 0.12 * self.d.head, self.index["頭"])]  # fmt: skip
        parts.add(material, pos, faces, *key_weights(pos[:, 1], keys))

    # --- limbs ------------------------------------------------------------------------

    def arm_chain(
        self, sign: float, extra: float = 0.0
    ) -> tuple[np.ndarray, np.ndarray, list, np.ndarray]:
        """(start, direction, weight keys by arc length, radius control points) of an arm."""
        s = "左" if sign > 0 else "右"
        p, i, k = self.p, self.index, self.d.limb
        down = p.arm_down(sign)
        start = self.pos[f"{s}腕"]
        up, fore = p.upper_arm, p.forearm
        r_up = 0.43 * k * (1.0 + 0.12 * self.d.masculine)
        r_elbow, r_fore, r_wrist = 0.31 * k, 0.34 * k, 0.23 * k
        w = 1.3 * (r_elbow + extra)  # a sleeve bends over its own thickness
        keys = [(-0.4 * r_up, i[f"{s}肩"]), (0.25 * up, i[f"{s}腕"]), (0.45 * up, i[f"{s}腕"]),
                (0.78 * up, i[f"{s}腕捩"]), (up - w, i[f"{s}腕捩"]), (up, i[f"{s}ひじ補助"]),
                (up + w, i[f"{s}ひじ"]), (up + 0.3 * fore, i[f"{s}ひじ"]),
                (up + 0.75 * fore, i[f"{s}手捩"]), (up + 0.9 * fore, i[f"{s}手捩"]),
                (up + 1.02 * fore, i[f"{s}手首"])]  # fmt: skip
        radii = np.array([(-0.7 * r_up, 0.85 * r_up), (0.0, 1.05 * r_up), (0.35 * up, r_up),
                          (up, r_elbow), (up + 0.3 * fore, r_fore),
                          (up + fore, r_wrist)])  # fmt: skip
        return start, down, keys, radii

    def leg_chain(self, sign: float, extra: float = 0.0):
        """(path control points, arc lengths there, weight keys, radius control points)."""
        s = "左" if sign > 0 else "右"
        i, k = self.index, self.d.limb
        hip, knee, ankle = self.pos[f"{s}足"], self.pos[f"{s}ひざ"], self.pos[f"{s}足首"]
        top = hip + np.array([-0.1 * sign * self.thigh, 0.55 * self.thigh, 0.0])
        ctrl = np.array([top, hip, knee, ankle])
        arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(ctrl, axis=0), axis=1))])
        r_knee, r_calf, r_ankle = 0.46 * k, 0.53 * k, 0.29 * k
        sh, sk, sa = arc[1], arc[2], arc[3]
        w = 1.2 * (r_knee + extra)
        keys = [
            (sh - 0.2 * self.thigh, i["下半身"]),
            (sh + 0.6 * self.thigh, i[f"{s}足"]),
            (sk - w, i[f"{s}足"]),
            (sk, i[f"{s}ひざ補助"]),
            (sk + w, i[f"{s}ひざ"]),
            (sa - 0.4 * r_ankle, i[f"{s}ひざ"]),
            (sa + 0.3 * r_ankle, i[f"{s}足首"]),
        ]
        radii = np.array([(0.0, 0.8 * self.thigh), (sh, self.thigh),
                          (sh + 0.35 * (sk - sh), 0.93 * self.thigh), (sk, r_knee),
                          (sk + 0.3 * (sa - sk), r_calf), (sa, r_ankle)])  # fmt: skip
        return ctrl, arc, keys, radii

    def arm(self, parts: Parts, material: str, sign: float, s0: float | None = None,
            s1: float | None = None, extra: float = 0.0, flare: float = 0.0,
            rings: int = 15, segments: int = 12, caps=(0.5, 0.5)) -> None:  # fmt: skip
        """Skin (or a sleeve: ``extra`` out, ``flare`` more at the cuff) from arc length s0
        to s1 along the arm (default: shoulder to wrist)."""
        start, down, keys, radii = self.arm_chain(sign, extra)
        s0 = 0.5 * radii[0, 0] if s0 is None else s0  # the shoulder, inside the clothes
        s1 = radii[-1, 0] if s1 is None else s1
        s = _dense(s0, s1, rings, [self.p.upper_arm])
        r = np.interp(s, radii[:, 0], radii[:, 1]) + extra
        r += flare * ((s - s0) / max(s1 - s0, 1e-6)) ** 3
        r[:2] *= (0.6, 0.9)  # a round shoulder, not the flat end of a tube
        path = start + s[:, None] * down
        pos, faces, _ = loft(path, (0.0, 0.0, 1.0), r, r * 0.92, segments, caps=caps)
        along = (pos - start) @ down
        parts.add(material, pos, faces, *key_weights(along, keys))

    def leg(self, parts: Parts, material: str, sign: float, s0: float | None = None,
            s1: float | None = None, extra: float = 0.0, flare: float = 0.0,
            rings: int = 16, segments: int = 12, caps=(0.5, 0.4)) -> None:  # fmt: skip
        ctrl, arc, keys, radii = self.leg_chain(sign, extra)
        s0 = 0.0 if s0 is None else s0
        s1 = arc[-1] if s1 is None else s1
        s = _dense(s0, s1, rings, [arc[2]])
        path = np.stack([np.interp(s, arc, ctrl[:, j]) for j in range(3)], -1)
        r = np.interp(s, radii[:, 0], radii[:, 1]) + extra
        r += flare * ((s - s0) / max(s1 - s0, 1e-6)) ** 2
        pos, faces, ring = loft(path, (1.0, 0.0, 0.0), r, r * 0.97, segments, caps=caps)
        parts.add(material, pos, faces, *key_weights(s[ring], keys))

    def hand(self, parts: Parts, material: str, sign: float) -> None:
        s = "左" if sign > 0 else "右"
        p, i, hk = self.p, self.index, self.p.hand
        down = p.arm_down(sign)
        wrist = self.pos[f"{s}手首"]
        t = np.linspace(-0.1, 1.0, 5) * hk
        path = wrist + t[:, None] * down
        width = np.interp(t / hk, [-0.1, 0.3, 1.0], [0.2, 0.33, 0.36]) * hk
        thick = np.interp(t / hk, [-0.1, 0.5, 1.0], [0.17, 0.15, 0.11]) * hk
        pos, faces, _ = loft(path, (0.0, 0.0, 1.0), width, thick, 10, caps=(0.3, 0.3))
        keys = [(-0.05 * hk, i[f"{s}手捩"]), (0.15 * hk, i[f"{s}手首"])]
        parts.add(material, pos, faces, *key_weights((pos - wrist) @ down, keys))
        # The five digits lofted together (one numpy pass), each weighted along its bones.
        paths, radii, weight_keys, along = [], [], [], []
        for finger, radius in (("人指", 0.12), ("中指", 0.125), ("薬指", 0.12), ("小指", 0.1),
                               ("親指", 0.13)):  # fmt: skip
            digits = "０１２" if finger == "親指" else "１２３"
            names = [f"{s}{finger}{c}" for c in digits]
            heads = np.array([self.pos[n] for n in names])
            tip = heads[2] + 0.35 * (heads[2] - heads[1])
            ctrl = np.concatenate([heads, tip[None]])
            arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(ctrl, axis=0), axis=1))])
            u = np.linspace(-0.05 * arc[-1], arc[-1], 6)
            path = np.stack([np.interp(u, arc, ctrl[:, j]) for j in range(3)], -1)
            path[0] = ctrl[0] - 0.05 * (ctrl[1] - ctrl[0])
            paths.append(path)
            radii.append(np.full(6, radius * hk) * np.interp(u, [0, arc[-1]], [1.0, 0.8]))
            weight_keys.append(
                [
                    (arc[1] - 0.05, i[names[0]]),
                    (arc[1] + 0.05, i[names[1]]),
                    (arc[2] - 0.05, i[names[1]]),
                    (arc[2] + 0.05, i[names[2]]),
                ]
            )
            along.append(u)
        paths, radii = np.stack(paths), np.stack(radii)
        hints = np.broadcast_to([0.0, 0.0, 1.0], paths.shape)
        pos, faces = loft_batch(paths, hints, radii, radii, 5, caps=(0.5, 0.8))
        ring = np.concatenate([np.repeat(np.arange(6), 5), [0, 5]])  # caps: first, last ring
        weights = [key_weights(u[ring], keys) for u, keys in zip(along, weight_keys, strict=True)]
        parts.add(material, pos, faces, np.concatenate([w[0] for w in weights]),
                  np.concatenate([w[1] for w in weights]))  # fmt: skip

    def foot(self, parts: Parts, material: str, sign: float, extra: float = 0.0,
             boot: float = 0.0) -> None:  # fmt: skip
        """A shoe (or, with ``boot`` > 0, a boot shaft that high above the ankle)."""
        s = "左" if sign > 0 else "右"
        i, k = self.index, self.d.limb
        ankle, toe = self.pos[f"{s}足首"], self.pos[f"{s}つま先"]
        heel_z, tip_z = ankle[2] + 0.45 * k, toe[2] - 0.45 * k
        z = np.linspace(heel_z, tip_z, 12)
        f = (z - heel_z) / (tip_z - heel_z)
        height = np.interp(f, [0, 0.08, 0.35, 0.75, 1.0], [0.5, 0.95, 0.85, 0.45, 0.3])
        height *= ankle[1] * 1.05 + extra
        width = np.interp(f, [0, 0.2, 0.7, 1.0], [0.28, 0.32, 0.38, 0.3]) * k + extra
        x = ankle[0] + sign * 0.04 * k * f
        path = np.stack([x + 0 * z, height * 0.5 + 0.02, z], -1)
        pos, faces, _ = loft(path, (1.0, 0.0, 0.0), width, height * 0.5, 12, caps=(0.6, 0.6))
        along = (pos[:, 2] - heel_z) / (tip_z - heel_z)
        keys = [(0.55, i[f"{s}足首"]), (0.75, i[f"{s}つま先"])]
        parts.add(material, pos, faces, *key_weights(along, keys))
        if boot > 0:
            _, arc, _, _ = self.leg_chain(sign)
            self.leg(parts, material, sign, arc[3] - boot, arc[3] + 0.2, 0.1 * k + extra,
                     0.05 * k, rings=6, caps=(None, None))  # fmt: skip

    def rigid_piece(self, parts, material, pos, faces, bone: str) -> None:
        parts.add(material, pos, faces, *rigid(len(pos), self.index[bone]))


def _dense(s0: float, s1: float, rings: int, joints: list[float]) -> np.ndarray:
    """``rings`` arc lengths from s0 to s1, a third of them bunched around the joints."""
    base = np.linspace(s0, s1, rings - 3 * len(joints))
    extra = [j + d for j in joints for d in (-0.12, 0.0, 0.12) if s0 < j + d < s1]
    return np.unique(np.concatenate([base, extra]))
