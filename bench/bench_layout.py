# SPDX-License-Identifier: GPL-3.0-or-later
"""render_bundle (all passes + keypoints) against a plain color render, per engine.

Baseline: the same scene rendered to a PNG with only the Combined pass, in the same run.
Prints median seconds over a few alternating repeats and the ratio (target <= 1.15).
Run from the repo root: .venv/bin/python bench/bench_layout.py [--size 256] [--repeats 3]
[--samples 4] [--engines CYCLES,...]. Cycles' Vector pass costs a fixed 15-40 ms here (the
neighbouring frames are evaluated for motion), so its ratio depends on how long the render
itself takes: measured 1.30-1.46 at 256 px / 4 samples (a 30 ms render), 1.06-1.11 at
512 px / 16 samples (the demo's settings); without the motion pass 0.96-1.22. Workbench
1.02-1.13 (noisy at 0.15 s), EEVEE 0.99.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from checkout import load_checkout

ROOT = Path(__file__).resolve().parents[1]


def _scene(bpy, size: int):
    sys.path.insert(0, str(ROOT / "tests"))
    from layout_figure import build_figure, front_camera, pose_arm_behind

    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    scene = bpy.context.scene
    scene.render.resolution_x = scene.render.resolution_y = size
    pose_arm_behind(build_figure(scene))
    front_camera(scene, lens=35)
    sun = bpy.data.objects.new("Sun", bpy.data.lights.new("Sun", "SUN"))
    scene.collection.objects.link(sun)
    return scene


def _plain_render(bpy, scene, path: str) -> float:
    layer = scene.view_layers[0]
    layer.use_pass_z = layer.use_pass_normal = layer.use_pass_vector = False
    scene.render.image_settings.media_type = "IMAGE"
    scene.render.image_settings.file_format = "PNG"
    scene.render.filepath = path
    start = time.perf_counter()
    bpy.ops.render.render(write_still=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=4, help="Cycles samples")
    parser.add_argument("--engines", default="BLENDER_WORKBENCH,CYCLES,BLENDER_EEVEE")
    parser.add_argument(
        "--memory", action="store_true", help="only: peak memory growth at 1920x1080 (Linux)"
    )
    args = parser.parse_args()
    load_checkout()
    import bpy

    from mmd2anime.layout.outputs import available_passes
    from mmd2anime.layout.passes import render_bundle

    scene = _scene(bpy, args.size)
    scene.cycles.samples = args.samples
    scene.cycles.use_denoising = False
    if args.memory:
        _memory(bpy, scene, render_bundle)
        return
    png = os.path.join(tempfile.mkdtemp(), "plain.png")
    print(
        f"{'engine':20} {'plain s':>8} {'bundle s':>9} {'ratio':>6} "
        f"{'no-motion s':>12} {'ratio':>6}   ({args.size}px)"
    )
    for engine in args.engines.split(","):
        scene.render.engine = engine
        _plain_render(bpy, scene, png)  # warm-up (EEVEE compiles its shaders here)
        render_bundle(scene, passes=available_passes(scene))
        passes = available_passes(scene)
        still = tuple(p for p in passes if p != "motion")  # motion needs neighbor frames
        plain, bundle, no_motion = [], [], []
        for _ in range(args.repeats):
            plain.append(_plain_render(bpy, scene, png))
            bundle.append(_timed(render_bundle, scene, passes=passes, keypoints=True))
            no_motion.append(_timed(render_bundle, scene, passes=still, keypoints=True))
        p, b, s = (statistics.median(t) for t in (plain, bundle, no_motion))
        print(f"{engine:20} {p:8.3f} {b:9.3f} {b / p:6.2f} {s:12.3f} {s / p:6.2f}", flush=True)


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _peak_growth(function) -> tuple[float, object]:
    """MiB the process's resident peak rises above its resident size while running."""
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current VmRSS
    before = _status_kib("VmRSS")
    result = function()
    return (_status_kib("VmHWM") - before) / 1024, result


def _memory(bpy, scene, render_bundle) -> None:
    """Peak resident growth: plain color render vs render_bundle, both at 1920x1080."""
    scene.render.engine = "CYCLES"
    scene.cycles.samples = 1
    scene.render.resolution_x, scene.render.resolution_y = 1920, 1080
    png = os.path.join(tempfile.mkdtemp(), "plain.png")
    render_bundle(scene)  # warm-up: caches and allocator pools
    plain, _ = _peak_growth(lambda: _plain_render(bpy, scene, png))
    grown, bundle = _peak_growth(lambda: render_bundle(scene))
    size = sum(a.nbytes for a in vars(bundle).values() if isinstance(a, np.ndarray)) / 2**20
    print(
        f"1920x1080: bundle arrays {size:.1f} MiB; peak resident growth: plain render "
        f"{plain:.1f} MiB, render_bundle {grown:.1f} MiB (= bundle + {grown - size:.1f})"
    )


def _timed(function, *args, **kwargs) -> float:
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
