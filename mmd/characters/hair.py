# SPDX-License-Identifier: GPL-3.0-or-later
"""Hair as volumes: a lofted shell over the skull, then locks (tapered, flattened tubes)
for bangs, sides, back and tails, so each style has its own silhouette.

Locks near the head follow the skull in the head's angle space (see face.py); long hair
leaves it at the nape and hangs clear of the back. Hair above the neck follows 頭; hair
hanging past the shoulders blends into 上半身2 so the head can turn without the hair
cutting through the body.
"""

from __future__ import annotations

import numpy as np

from .body import Figure
from .face import Head
from .geometry import (
    Parts,
    cross,
    key_weights,
    loft,
    loft_batch,
    orient_along,
    rigid,
    ring_faces,
    smooth_path,
)


class HairBuilder:
    def __init__(self, head: Head, figure: Figure, parts: Parts) -> None:
        self.head, self.fig, self.parts = head, figure, parts
        self.pending: dict[int, list[tuple]] = {}
        p, h = figure.p, head.size
        self.h = h
        self.keys = [(p.shoulder[1] - 0.25 * figure.torso_len, figure.index["上半身2"]),
                     (p.neck_y + 0.1 * h, figure.index["頭"])]  # fmt: skip
        # Hanging hair stays this far behind the spine: clear of the back and a coat on it.
        ys = np.linspace(figure.crotch_y, p.shoulder[1], 8)
        _, rz, zc, _ = figure.trunk_section(ys)
        self.back_z = float(np.max(zc + rz)) + 0.45 * figure.d.limb

    def lock(self, ctrl, width, thick, count: int = 10) -> np.ndarray:
        """A tapered lock along the control points; width/thick are (root, widest, tip).
        Locks are collected and lofted together in ``finish`` (one numpy pass per length)."""
        path = smooth_path(ctrl, count)
        t = np.linspace(0.0, 1.0, count)
        w = np.interp(t, [0.0, 0.3, 1.0], width)
        d = np.interp(t, [0.0, 0.3, 1.0], thick)
        tangent = np.gradient(path, axis=0)
        hint = cross(tangent, path - self.head.center)  # flat on the head, wide across
        self.pending.setdefault(count, []).append((path, hint, w, d))
        return path

    def finish(self) -> None:
        for locks in self.pending.values():
            paths, hints, w, d = (np.stack(column) for column in zip(*locks, strict=True))
            pos, faces = loft_batch(paths, hints, w, d, 6, caps=(0.3, 0.0))
            self.parts.add("hair", pos, faces, *key_weights(pos[:, 1], self.keys))
        self.pending.clear()

    def shell(self, front_v: float = 0.42, side_v: float = -0.1, back_v: float = -0.7,
              lift: float = 0.06) -> None:  # fmt: skip
        """The volume over the skull, down to a hairline: forehead, temples, nape."""
        cols, rows = 48, 10
        u = np.linspace(-np.pi, np.pi, cols, endpoint=False)
        c = (1.0 - np.cos(u)) / 2  # 0 at the face, 1 at the back
        low = np.where(c < 0.5, front_v + (side_v - front_v) * 2 * c,
                       side_v + (back_v - side_v) * (2 * c - 1))  # fmt: skip
        t = np.linspace(0.0, 1.0, rows)[:, None]
        v = low[None] + (1.45 - low[None]) * t
        up = lift + 0.05 * t**0.7 + 0.015 * (1 - t) * c[None]
        pts = self.head.surface(np.broadcast_to(u, v.shape).ravel(), v.ravel(), 0.0)
        out = pts - self.head.center
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        pts = pts + (up.ravel() * self.h)[:, None] * out
        top = self.head.surface(np.zeros(1), np.array([np.pi / 2]), lift + 0.05)
        pos = np.concatenate([pts, top])
        n = len(pts)
        cap = np.stack([np.full(cols, n), n - cols + np.roll(np.arange(cols), -1),
                        n - cols + np.arange(cols)], -1)  # fmt: skip
        faces = np.concatenate([ring_faces(rows, cols), cap])
        faces = orient_along(pos, faces, pos - self.head.center)
        self.parts.add("hair", pos, faces, *rigid(len(pos), self.fig.index["頭"]))

    def on_head(self, u0, v0, u1, v1, lift0, lift1, width, thick, count: int = 9):
        """A lock lying on the skull from angles (u0, v0) to (u1, v1)."""
        t = np.linspace(0.0, 1.0, 5)
        lift = lift0 + (lift1 - lift0) * t
        ctrl = self.head.surface(u0 + (u1 - u0) * t, v0 + (v1 - v0) * t, 0.0)
        out = ctrl - self.head.center
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        ctrl = ctrl + (lift * self.h)[:, None] * out
        return self.lock(ctrl, width, thick, count)

    def fringe(self, count: int, tip_v: float, sweep: float = 0.0, span: float = 0.8,
               jag: float = 0.08) -> None:  # fmt: skip
        """Bangs over the forehead, ending at ``tip_v``; ``sweep`` turns them sideways."""
        h = self.h
        for k, u in enumerate(np.linspace(-span, span, count)):
            drop = jag * (k % 2) + 0.05 * abs(u) / span
            tip = tip_v + drop - 0.04 * sweep * u
            width = (span / count * 1.5 * h, span / count * 1.7 * h, 0.01 * h)
            self.on_head(u, 0.8, u + sweep * (1.0 - 0.3 * u), tip, 0.075, 0.045,
                         width, (0.05 * h, 0.06 * h, 0.01 * h))  # fmt: skip

    def around(self, us, v_tip, flare: float = 0.1, root_v: float = 0.5, width=0.3,
               thick=0.07) -> None:  # fmt: skip
        """Locks from the crown down the sides and back to ``v_tip`` (bob, short cuts)."""
        h = self.h
        for u in us:
            self.on_head(u, root_v, u, v_tip, 0.07, 0.06 + flare, (width * h, width * 1.15 * h,
                         0.04 * h), (thick * h, thick * 1.2 * h, 0.015 * h))  # fmt: skip

    def hanging(self, us, end_y: float, spread: float = 1.15, width=0.32) -> None:
        """Long locks over the back of the head, down behind the back to ``end_y``."""
        h, p = self.h, self.fig.p
        for u in us:
            near = self.head.surface(np.array([u, u, u]), np.array([0.6, 0.0, -0.55]),
                                     0.0)  # fmt: skip
            out = near - self.head.center
            out /= np.linalg.norm(out, axis=1, keepdims=True)
            near = near + (np.array([0.07, 0.09, 0.11]) * h)[:, None] * out
            x = near[-1, 0]
            z = max(self.back_z, near[-1, 2])
            low = [(x * spread, p.shoulder[1], z), (x * spread * 1.1, end_y, z + 0.1 * h)]
            self.lock(np.concatenate([near, low]), (width * h, width * 1.2 * h, 0.03 * h),
                      (0.07 * h, 0.09 * h, 0.02 * h), 12)  # fmt: skip

    def side_locks(self, end_y: float | None, v_tip: float = -0.5) -> None:
        """A lock in front of each ear, to the jaw or (``end_y``) down over the chest."""
        h, fig = self.h, self.fig
        for sign in (1.0, -1.0):
            if end_y is None:
                self.on_head(
                    sign * 1.25,
                    0.5,
                    sign * 1.2,
                    v_tip,
                    0.07,
                    0.06,
                    (0.22 * h, 0.26 * h, 0.02 * h),
                    (0.06 * h, 0.07 * h, 0.015 * h),
                )
                continue
            near = self.head.surface(np.full(2, sign * 1.45), np.array([0.5, -0.5]), 0.07)
            chest = fig.d.chest[1] + 0.45 * fig.d.limb
            low = [(sign * fig.p.shoulder[0] * 0.7, fig.p.shoulder[1] + 0.1 * h, -chest * 0.5),
                   (sign * fig.p.shoulder[0] * 0.72, end_y, -chest * 1.05)]  # fmt: skip
            self.lock(np.concatenate([near, low]), (0.22 * h, 0.26 * h, 0.02 * h),
                      (0.06 * h, 0.07 * h, 0.015 * h), 12)  # fmt: skip

    def tail(self, anchor_u: float, anchor_v: float, ctrl, thick: float) -> None:
        """A gathered tail from a point on the head through ``ctrl`` (offsets from the
        anchor in head heights), round and full near the tie; a tie in the accent color."""
        h = self.h
        anchor = self.head.surface(np.array([anchor_u]), np.array([anchor_v]), 0.1)[0]
        pts = [anchor] + [anchor + np.asarray(c) * h for c in ctrl]
        widths = (thick * h, thick * 1.6 * h, 0.03 * h)
        path = self.lock(pts, widths, (thick * 0.9 * h, thick * 1.4 * h, 0.03 * h), 14)
        for angle in (-0.9, 0.9):  # strands beside it break the outline
            side = np.cross(path[-1] - path[0], [0.0, 0.0, 1.0])
            side /= max(np.linalg.norm(side), 1e-9)
            offset = side * angle * thick * 0.6 * h
            self.lock(path[::3] + offset * np.linspace(0.3, 1.5, len(path[::3]))[:, None],
                      (thick * 0.7 * h, thick * 0.8 * h, 0.02 * h),
                      (thick * 0.5 * h, thick * 0.6 * h, 0.02 * h), 10)  # fmt: skip
        direction = path[1] - path[0]
        ring = anchor + np.outer(np.linspace(0.05, 0.2, 3), direction)
        r = np.full(3, thick * 0.75 * h)
        pos, faces, _ = loft(ring, (0.0, 1.0, 0.0), r, r, 10, caps=(0.2, 0.2))
        self.parts.add("accent", pos, faces, *rigid(len(pos), self.fig.index["頭"]))


def build_hair(style: str, head: Head, figure: Figure, parts: Parts) -> None:
    hb = HairBuilder(head, figure, parts)
    p, T = figure.p, figure.torso_len
    back = np.pi + np.linspace(-1.25, 1.25, 11)
    if style == "short":
        hb.shell(0.45, -0.3, -0.55, 0.05)
        hb.fringe(6, 0.22, jag=0.1)
        hb.around(np.concatenate([np.linspace(1.1, 2.4, 4), np.linspace(-2.4, -1.1, 4)]),
                  -0.3, flare=0.07, width=0.32)  # fmt: skip
        hb.around(back, -0.7, flare=0.05, width=0.28)
    elif style == "bob":
        hb.shell(0.42, -0.1, -0.6, 0.06)
        hb.fringe(8, 0.12, jag=0.03)
        sides = np.concatenate([np.linspace(1.0, 2.6, 5), np.linspace(-2.6, -1.0, 5)])
        hb.around(sides, -0.85, flare=0.12, width=0.33)
        hb.around(back, -0.95, flare=0.1, width=0.3)
    elif style == "long":
        hb.shell(0.42, -0.1, -0.6, 0.06)
        hb.fringe(7, 0.14)
        hb.side_locks(p.shoulder[1] - 0.45 * T)
        hb.hanging(back, p.hip[1] + 0.15 * T)
        hb.around(np.concatenate([np.linspace(1.3, 2.0, 2), np.linspace(-2.0, -1.3, 2)]),
                  -0.9, flare=0.1)  # fmt: skip
    elif style == "ponytail":
        hb.shell(0.45, -0.05, -0.55, 0.05)
        hb.fringe(7, 0.16)
        hb.side_locks(None, -0.6)
        hb.tail(np.pi, 0.45, [(0.0, 0.1, 0.35), (0.0, -0.5, 0.5), (0.0, -1.4, 0.45),
                              (0.0, -2.3, 0.4)], 0.17)  # fmt: skip
    elif style == "twin_tails":
        hb.shell(0.42, -0.1, -0.6, 0.06)
        hb.fringe(7, 0.15)
        hb.side_locks(None, -0.7)
        for sign in (1.0, -1.0):
            hb.tail(sign * 2.0, 0.55, [(sign * 0.3, 0.05, 0.1), (sign * 0.6, -0.5, 0.2),
                                       (sign * 0.75, -1.5, 0.25),
                                       (sign * 0.7, -2.6, 0.2)], 0.15)  # fmt: skip
    elif style == "side_swept":
        hb.shell(0.45, -0.1, -0.6, 0.06)
        hb.fringe(7, 0.0, sweep=0.45, span=0.9)
        hb.side_locks(None, -0.75)
        hb.around(np.concatenate([np.linspace(1.2, 2.5, 3), np.linspace(-2.5, -1.2, 3)]),
                  -0.7, flare=0.08)  # fmt: skip
        hb.hanging(back[2:-2], p.shoulder[1] - 0.1 * T, spread=1.05)
    else:
        raise ValueError(f"unknown hair style {style!r}")
    hb.finish()
