# SPDX-License-Identifier: GPL-3.0-or-later
"""Temporal stability: Lai et al. 2018 warping error with and without motion blending.

    .venv/bin/python bench/warp_error.py [--pack PACK] [--size 256x192] [--frames 12]
    .venv/bin/python bench/warp_error.py --mannequin [--size 256x256] [--frames 8]

A slow pan goes through the Stylizer twice, once per frame alone and once with temporal blending; the script
prints both errors and their ratio (target <= 0.5). The pan is synthetic (textured plane,
constant depth, exact motion vectors) or, with ``--mannequin``, a real Blender shot: the
demo mannequin with the pastel look, the camera orbiting it slowly, every frame rendered by
Cycles with the layout passes (Blender's own motion vectors and depth). The untrained pack's generator is close
to the identity, so its raw warping error is small; the ratio is what carries over.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from checkout import load_checkout

HERE = Path(__file__).resolve().parent


def mannequin_pan(width: int, height: int, frames: int, degrees_per_frame: float) -> list:
    """FrameBundles of the demo mannequin under a slowly orbiting camera (Cycles)."""
    import math

    import bpy
    from mathutils import Matrix

    from mmd2anime.demo_scene import build_demo_shot
    from mmd2anime.layout.passes import render_bundle
    from mmd2anime.shaders.apply import apply_look, look_targets
    from mmd2anime.shaders.looks import load_look
    from mmd2anime.shaders.photography import develop_look

    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    scene = bpy.context.scene
    scene.render.resolution_x, scene.render.resolution_y = width, height
    scene.render.engine = "CYCLES"
    scene.cycles.samples = 8
    armature = build_demo_shot(scene, "standing")
    look = load_look("pastel")
    apply_look(look_targets([armature]), look, scene)
    camera = scene.camera
    start = camera.matrix_world.copy()
    for frame in range(1, frames + 1):
        angle = math.radians(degrees_per_frame * (frame - 1))
        camera.matrix_world = Matrix.Rotation(angle, 4, "Z") @ start
        camera.keyframe_insert("location", frame=frame)
        camera.keyframe_insert("rotation_quaternion", frame=frame)
    bundles = []
    for frame in range(1, frames + 1):
        scene.frame_set(frame)
        bundle = render_bundle(scene)
        bundle.color = develop_look(bundle.color, bundle.alpha, look)
        bundles.append(bundle)
    return bundles


def main() -> None:
    load_checkout()
    import numpy as np

    from mmd2anime.neural import temporal
    from mmd2anime.neural.stylize import Stylizer
    from mmd2anime.neural.synthetic import pan_sequence

    parser = argparse.ArgumentParser()
    parser.add_argument("--pack", default=str(HERE.parent / "neural/packs/initialized.safetensors"))
    parser.add_argument("--size", default="256x192")
    parser.add_argument("--frames", type=int, default=12)
    parser.add_argument("--shift", type=int, default=2, help="pan speed, px per frame")
    parser.add_argument("--mannequin", action="store_true", help="a real Blender pan")
    args = parser.parse_args()
    width, height = map(int, args.size.split("x"))
    if args.mannequin:
        bundles = mannequin_pan(width, height, args.frames, degrees_per_frame=0.5)
    else:
        bundles = pan_sequence(width, height, args.frames, args.shift)
    stylizer = Stylizer(args.pack, device="cpu")
    raw = stylizer(bundles, temporal_blend=False)
    blended = temporal.stabilize(raw, bundles, stylizer.temporal_strength)
    inputs = temporal.warping_error([b.color for b in bundles], bundles)
    before = temporal.warping_error(raw, bundles)
    after = temporal.warping_error(blended, bundles)
    kind = "mannequin orbit 0.5 deg/frame" if args.mannequin else f"{args.shift} px/frame"
    print(f"pan {width}x{height}, {args.frames} frames, {kind}, "
          f"strength {stylizer.temporal_strength}")  # fmt: skip
    print(f"warping error of the input colors (exactness check): {inputs:.3e}")
    print(f"warping error without temporal blending: {before:.3e}")
    print(f"warping error with temporal blending:    {after:.3e}")
    print(f"ratio with/without: {after / before:.3f} (target <= 0.5)")
    # A trained style flickers far more than the near-identity untrained pack: simulate it.
    rng = np.random.default_rng(0)
    noisy = [o + rng.normal(0, 0.05, o.shape).astype(np.float32) for o in raw]
    before = temporal.warping_error(noisy, bundles)
    after = temporal.warping_error(temporal.stabilize(noisy, bundles), bundles)
    print(f"with simulated flicker (noise sigma 0.05 per frame): {before:.3e} -> {after:.3e}, "
          f"ratio {after / before:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
