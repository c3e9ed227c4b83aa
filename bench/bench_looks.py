# SPDX-License-Identifier: GPL-3.0-or-later
"""EEVEE render time of a toon look against plain Principled materials, same scene, same run.

Baseline: the built-in mannequin (our importer's Principled BSDF materials, what
mmd_tools-style imports render with), framed by the demo camera. Measured: the same figure with a look applied (toon group + outline hull), then
the photography pass on the rendered pixels. Each variant gets a warm-up render first (EEVEE
compiles its shaders on the first render). Target: toon / plain <= 1.3.

Run from the repo root: ``.venv/bin/python bench/bench_looks.py [--size 512] [--repeat 3]``.
Measured on the stand-in figure (2 shared CPU cores, software GL, 'pastel', 512²):
16 samples: plain 8.3 s, toon 8.6 s, ratio 1.03; 64 samples: ratio 1.13.
"""

import argparse
import time

from checkout import load_checkout


def _time_interleaved(bpy, scenes: list[str], repeat: int) -> list[float]:
    """Seconds per render of each scene, renders interleaved so a busy machine (shared CPUs)
    slows both variants alike."""
    for name in scenes:
        bpy.ops.render.render(scene=name)  # warm-up: shader compilation
    totals = [0.0] * len(scenes)
    for _ in range(repeat):
        for i, name in enumerate(scenes):
            start = time.perf_counter()
            bpy.ops.render.render(scene=name)
            totals[i] += time.perf_counter() - start
    return [total / repeat for total in totals]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--look", default="pastel")
    parser.add_argument("--samples", type=int, default=16, help="EEVEE render samples")
    args = parser.parse_args()
    load_checkout()
    import bpy
    import numpy as np

    from mmd2anime.demo_scene import build_demo_shot
    from mmd2anime.shaders import apply, looks, photography

    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    scene = bpy.context.scene
    scene.render.resolution_x = scene.render.resolution_y = args.size
    build_demo_shot(scene, "pointing")
    scene.render.engine = "BLENDER_EEVEE"
    scene.eevee.taa_render_samples = args.samples
    scene.render.threads_mode = "FIXED"
    scene.render.threads = 2
    # The toon variant is a full copy of the scene, so both stay compiled and can alternate.
    bpy.ops.scene.new(type="FULL_COPY")
    toon_scene = bpy.context.scene
    toon_figure = next(o for o in toon_scene.objects if o.type == "ARMATURE")
    look = looks.load_look(args.look)
    apply.apply_look(apply.look_targets([toon_figure]), look, toon_scene)
    plain, toon = _time_interleaved(bpy, [scene.name, toon_scene.name], args.repeat)

    rng = np.random.default_rng(0)
    image = rng.random((args.size, args.size, 3), dtype=np.float32)
    alpha = (rng.random((args.size, args.size)) > 0.5).astype(np.float32)
    start = time.perf_counter()
    for _ in range(args.repeat):
        photography.develop(image, alpha, look["photography"])
    develop = (time.perf_counter() - start) / args.repeat

    print(
        f"EEVEE {args.size}x{args.size}, {args.samples} samples, look '{look['name']}', "
        f"{args.repeat} interleaved renders each"
    )
    print(f"plain Principled : {plain:.3f} s/frame (baseline)")
    print(f"toon look        : {toon:.3f} s/frame  ratio {toon / plain:.2f} (target <= 1.3)")
    print(
        f"photography pass : {develop:.3f} s/frame  ratio {develop / plain:.2f} of a plain render"
    )
    print(f"toon + photo     : ratio {(toon + develop) / plain:.2f}")


if __name__ == "__main__":
    main()
