# SPDX-License-Identifier: GPL-3.0-or-later
"""Outfits: layers of the body's own surfaces pushed outward (so they carry the weights of
the skin beneath and follow it), plus skirts, collars, ribbons and hoods.

Layers, inside out: legwear, inner (shirt), bottom (skirt/trousers), top (jacket, coat).
"""

from __future__ import annotations

import numpy as np

from .body import Figure
from .geometry import Parts, loft, smooth_path

FRONT = 1.5 * np.pi  # theta of the front middle (-Z)


def _v_neck(top: float, depth: float, width: float):
    """Neckline heights: ``top`` around, dipping by ``depth`` in a V at the front."""

    def line(theta):
        off = np.abs(np.angle(np.exp(1j * (theta - FRONT))))
        return top - depth * np.clip(1.0 - off / width, 0.0, None)

    return line


def _ribbon(fig: Figure, parts: Parts, material: str, ctrl, width: float, thick: float):
    path = smooth_path(ctrl, 8, passes=1)
    w = np.interp(np.linspace(0, 1, 8), [0, 0.5, 1], [width, width * 1.1, width * 0.9])
    pos, faces, _ = loft(path, (1.0, 0.0, 0.0), w, np.full(8, thick), 6, caps=(0.2, 0.2))
    parts.add(material, pos, faces, *fig.trunk_weights(pos, skirt=False))


def _bow(fig: Figure, parts: Parts, material: str, center, size: float) -> None:
    """A ribbon bow: a knot and two loops, tails hanging."""
    c = np.asarray(center, float)
    for sign in (1.0, -1.0):
        _ribbon(fig, parts, material, [c, c + (sign * size, 0.35 * size, -0.1 * size),
                                       c + (sign * 1.3 * size, 0.0, -0.1 * size)],
                0.35 * size, 0.08 * size)  # fmt: skip
        _ribbon(fig, parts, material, [c, c + (sign * 0.3 * size, -0.9 * size, -0.15 * size),
                                       c + (sign * 0.45 * size, -1.6 * size, -0.1 * size)],
                0.25 * size, 0.06 * size)  # fmt: skip


def _front_point(fig: Figure, y: float, extra: float) -> np.ndarray:
    return fig.trunk_points(np.array([y]), np.array([FRONT]), extra)[0]


def _sleeves(fig: Figure, parts, material, extra, end, flare=0.0, rings=14) -> None:
    for sign in (1.0, -1.0):
        start = -0.3 * fig.arm_chain(sign)[3][1, 1]  # inside the shoulder: no pads
        fig.arm(parts, material, sign, start, end, extra, flare, rings=rings, caps=(0.2, None))


def _trousers(fig: Figure, parts, material, extra, length=1.0, flare=0.0) -> None:
    p, T = fig.p, fig.torso_len
    fig.trunk_patch(parts, material, fig.crotch_y - 0.1 * fig.thigh, p.hip[1] + 0.45 * T,
                    extra, rows=8, flare=lambda t: 0.2 * fig.d.limb * t**2)  # fmt: skip
    for sign in (1.0, -1.0):
        _, arc, _, _ = fig.leg_chain(sign)
        fig.leg(parts, material, sign, 0.0, arc[3] * length + 0.05, extra, flare,
                caps=(0.4, None))  # fmt: skip


def _legwear(fig: Figure, parts, material, start: float, extra: float) -> None:
    """Socks or tights from ``start`` (fraction of the leg from the hip) to the ankle."""
    for sign in (1.0, -1.0):
        _, arc, _, _ = fig.leg_chain(sign)
        s0 = arc[1] + start * (arc[3] - arc[1])
        fig.leg(parts, material, sign, s0, arc[3] + 0.1, extra, 0.0, rings=12, caps=(None, 0.4))


def _shoes(fig: Figure, parts, boot: float = 0.0) -> None:
    for sign in (1.0, -1.0):
        fig.foot(parts, "shoes", sign, 0.05 * fig.d.limb, boot)


def sailor(fig: Figure, parts: Parts) -> None:
    p, T, k = fig.p, fig.torso_len, fig.d.limb
    arm_y, hip_y = p.shoulder[1], p.hip[1]
    neck = _v_neck(fig.top_y - 0.05 * T, 0.42 * T, 0.9)
    fig.trunk_patch(parts, "top", hip_y + 0.3 * T, neck, 0.12 * k, rows=14)
    _sleeves(fig, parts, "top", 0.11 * k, p.upper_arm + 0.85 * p.forearm, 0.1 * k)
    collar_low = _v_neck(arm_y - 0.3 * T, 0.1 * T, 0.9)

    def collar_bottom(theta):
        back = np.clip(np.sin(theta), 0.0, None)  # the square flap hangs down the back
        return np.minimum(collar_low(theta) - 0.25 * T * back, neck(theta) - 0.1 * T)

    fig.trunk_patch(parts, "bottom", collar_bottom, lambda th: neck(th) + 0.01, 0.17 * k,
                    rows=6)  # fmt: skip
    knot = _front_point(fig, neck(np.array([FRONT]))[0] - 0.02 * T, 0.24 * k)
    _bow(fig, parts, "accent", knot, 0.22 * T)
    fig.trunk_patch(parts, "bottom", hip_y - 0.55 * (hip_y - p.knee[0]), hip_y + 0.36 * T,
                    0.16 * k, rows=10, segments=48, pleats=24,
                    flare=lambda t: 0.55 * fig.d.hips[0] * t)  # fmt: skip
    _legwear(fig, parts, "legwear", 0.62, 0.04 * k)
    _shoes(fig, parts)


def _blazer(fig: Figure, parts: Parts, length: float, collar: bool = True) -> None:
    """A jacket down to ``length`` below the hips (as a fraction of hip-to-knee), with a
    shirt and tie in the V of the lapels."""
    p, T, k = fig.p, fig.torso_len, fig.d.limb
    hip_y = p.hip[1]
    fig.trunk_patch(parts, "inner", p.shoulder[1] - 0.6 * T, fig.top_y - 0.05 * T,
                    0.07 * k, rows=6)  # fmt: skip
    neck = _v_neck(fig.top_y - 0.05 * T, 0.5 * T, 0.55)
    bottom = hip_y - length * (hip_y - p.knee[0])
    fig.trunk_patch(parts, "top", bottom, neck, 0.2 * k, rows=16,
                    flare=lambda t: 0.25 * k * t**2)  # fmt: skip
    _sleeves(fig, parts, "top", 0.13 * k, p.upper_arm + p.forearm * 0.97, 0.05 * k)
    if collar:
        tie = [
            _front_point(fig, fig.top_y - 0.08 * T, 0.09 * k),
            _front_point(fig, p.shoulder[1] - 0.5 * T, 0.1 * k),
        ]
        _ribbon(fig, parts, "accent", tie, 0.08 * T, 0.03 * k)


def blazer_skirt(fig: Figure, parts: Parts) -> None:
    p, T, k = fig.p, fig.torso_len, fig.d.limb
    hip_y = p.hip[1]
    _blazer(fig, parts, 0.12)
    fig.trunk_patch(parts, "bottom", hip_y - 0.6 * (hip_y - p.knee[0]), hip_y + 0.3 * T,
                    0.15 * k, rows=10, segments=40, pleats=16,
                    flare=lambda t: 0.35 * fig.d.hips[0] * t)  # fmt: skip
    _legwear(fig, parts, "legwear", 0.1, 0.03 * k)
    _shoes(fig, parts)


def blazer_trousers(fig: Figure, parts: Parts) -> None:
    _blazer(fig, parts, 0.18)
    _trousers(fig, parts, "bottom", 0.1 * fig.d.limb)
    _shoes(fig, parts)


def dress(fig: Figure, parts: Parts) -> None:
    p, T, k = fig.p, fig.torso_len, fig.d.limb
    hip_y = p.hip[1]
    waist = hip_y + 0.42 * T
    neck = _v_neck(fig.top_y - 0.1 * T, 0.12 * T, 1.2)
    fig.trunk_patch(parts, "top", waist - 0.05 * T, neck, 0.11 * k, rows=10)
    hem = p.knee[0] - 0.15 * (p.knee[0] - p.ankle[0])
    fig.trunk_patch(parts, "top", hem, waist, 0.12 * k, rows=14, segments=48,
                    flare=lambda t: 0.65 * fig.d.hips[0] * t**1.3)  # fmt: skip
    fig.trunk_patch(parts, "accent", waist - 0.06 * T, waist + 0.06 * T, 0.16 * k, rows=3)
    for sign in (1.0, -1.0):  # puff sleeves
        fig.arm(parts, "top", sign, None, 0.4 * p.upper_arm, 0.22 * k, -0.12 * k, rings=8,
                caps=(0.5, None))  # fmt: skip
    _bow(fig, parts, "accent", _front_point(fig, neck(np.array([FRONT]))[0], 0.14 * k),
         0.14 * T)  # fmt: skip
    _legwear(fig, parts, "legwear", 0.55, 0.03 * k)
    _shoes(fig, parts)


def hoodie(fig: Figure, parts: Parts) -> None:
    p, T, k = fig.p, fig.torso_len, fig.d.limb
    hip_y, arm_y = p.hip[1], p.shoulder[1]
    fig.trunk_patch(parts, "top", hip_y - 0.15 * (hip_y - p.knee[0]), fig.top_y - 0.04 * T,
                    0.24 * k, rows=16, flare=lambda t: 0.1 * k * t)  # fmt: skip
    _sleeves(fig, parts, "top", 0.2 * k, p.upper_arm + p.forearm * 0.98, -0.06 * k)
    # The hood lies rolled on the shoulders behind the neck.
    fig.trunk_patch(parts, "top", arm_y - 0.05 * T, fig.top_y + 0.12 * T, 0.3 * k, rows=7,
                    segments=20, arc=(0.05 * np.pi, 0.95 * np.pi),
                    flare=lambda t: 0.45 * k * np.sin(np.pi * t))  # fmt: skip
    for sign in (1.0, -1.0):  # drawstrings
        top = _front_point(fig, fig.top_y - 0.12 * T, 0.28 * k) + (sign * 0.35 * k, 0, 0)
        _ribbon(fig, parts, "accent", [top, top + (0.0, -0.35 * T, -0.05 * k)], 0.05 * k,
                0.04 * k)  # fmt: skip
    if fig.d.child > 0.5:  # shorts and socks
        _trousers(fig, parts, "bottom", 0.12 * k, length=0.42, flare=0.1 * k)
        _legwear(fig, parts, "legwear", 0.75, 0.04 * k)
    else:
        _trousers(fig, parts, "bottom", 0.1 * k)
    _shoes(fig, parts)


def long_coat(fig: Figure, parts: Parts) -> None:
    p, T, k = fig.p, fig.torso_len, fig.d.limb
    hip_y = p.hip[1]
    fig.trunk_patch(parts, "inner", p.shoulder[1] - 0.5 * T, fig.top_y - 0.05 * T, 0.08 * k,
                    rows=5)  # fmt: skip
    neck = _v_neck(fig.top_y + 0.02 * T, 0.35 * T, 0.45)
    hem = p.knee[0] - 0.3 * (p.knee[0] - p.ankle[0])
    fig.trunk_patch(parts, "top", hem, neck, 0.26 * k, rows=18, segments=40,
                    flare=lambda t: 0.7 * fig.d.hips[0] * np.clip(t - 0.35, 0, None))  # fmt: skip
    fig.trunk_patch(parts, "accent", hip_y + 0.3 * T, hip_y + 0.4 * T, 0.3 * k, rows=3)
    _sleeves(fig, parts, "top", 0.16 * k, p.upper_arm + p.forearm, 0.12 * k)
    _trousers(fig, parts, "bottom", 0.09 * k)
    _shoes(fig, parts, boot=0.35 * (p.knee[0] - p.ankle[0]))


OUTFIT_BUILDERS = {
    "sailor": sailor,
    "blazer_skirt": blazer_skirt,
    "blazer_trousers": blazer_trousers,
    "dress": dress,
    "hoodie": hoodie,
    "long_coat": long_coat,
}
