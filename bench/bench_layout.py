# SPDX-License-Identifier: GPL-3.0-or-later
"""render_bundle (all passes + keypoints) against a plain color render, per engine.

Scene: the built-in mannequin's demo shot, keyed from one library pose (frame 1) to another
(frame 9) and rendered at frame 5, so the motion pass has moving neighbour frames.
Baseline: the same frame rendered to a PNG with only the Combined pass (F12 + save), in the
same run. Columns, per engine and setting (size², samples for Cycles and EEVEE), seconds and
ratio to plain (target <= 1.15):
- bundle: render_bundle with every pass the engine gives;
- blender: its render alone (render_exr), nothing read back: Blender's own share (passes, EXR);
- still: render_bundle without the motion pass;
- no edges: render_bundle without the edges pass (the mesh edges, ``layout.edges``);
- no hair (only with --look NAME, the look applied to the mannequin for every render):
  render_bundle without the hair mask, which a look's hair materials otherwise add.
Each figure is the median over repeats of the second of two like calls in a row (the first
render after a change of settings can cost more); cheap renders repeat until the plain ones
add up to --seconds, as single calls vary by 15 % here.
Run from the repo root:
.venv/bin/python bench/bench_layout.py [--settings 256x4,512x16] [--repeats 5] [--seconds 3]
[--engines CYCLES,...] [--look NAME] [--model PMX] [--memory]. ``--model`` poses and
frames that model instead of the mannequin (the edges pass costs most on a real model).
Figures measured here are in bench/README.md.
"""

import argparse
import os
import statistics
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np
from checkout import load_checkout

POSES = ((1, "standing"), (9, "running"))
FRAME = 5


def _scene(bpy, look: str | None, model: str | None = None):
    from mmd2anime.demo_scene import bone_heads, build_demo_shot, frame_camera
    from mmd2anime.layout.dataset import model_puppet
    from mmd2anime.mmd import blender_characters, pose_library
    from mmd2anime.shaders import apply, looks

    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    scene = bpy.context.scene
    armature = build_demo_shot(scene)
    if model is not None:
        mannequin = [armature, *armature.children]
        bpy.data.batch_remove(mannequin)
        armature = model_puppet(model)()
        frame_camera(scene, bone_heads(armature), camera=scene.camera)
    for frame, pose in POSES:
        blender_characters.apply_library_pose(armature, pose_library.get_pose(pose))
        for pose_bone in armature.pose.bones:
            pose_bone.keyframe_insert("rotation_quaternion", frame=frame)
            pose_bone.keyframe_insert("location", frame=frame)
    if look is not None:
        apply.apply_look(apply.look_targets([armature]), looks.load_look(look), scene)
    scene.frame_set(FRAME)
    scene.cycles.use_denoising = False
    return scene


def _plain_render(bpy, scene, path: str) -> float:
    layer = scene.view_layers[0]
    layer.use_pass_z = layer.use_pass_normal = layer.use_pass_vector = False
    scene.render.film_transparent = False
    scene.render.image_settings.media_type = "IMAGE"
    scene.render.image_settings.file_format = "PNG"
    scene.render.filepath = path
    start = time.perf_counter()
    bpy.ops.render.render(write_still=True)
    return time.perf_counter() - start


def _timed(function, *args, **kwargs) -> float:
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


def _settings(text: str) -> list[tuple[int, int]]:
    return [tuple(int(v) for v in item.split("x")) for item in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--settings", default="256x4,512x16", help="SIZExSAMPLES,... (square frames)"
    )
    parser.add_argument("--repeats", type=int, default=5, help="at least this many")
    parser.add_argument("--seconds", type=float, default=3.0, help="of plain renders, at least")
    parser.add_argument("--engines", default="BLENDER_WORKBENCH,CYCLES,BLENDER_EEVEE")
    parser.add_argument("--look", help="apply this look (adds the hair mask and its column)")
    parser.add_argument("--model", help="a PMX or PMD file to pose instead of the mannequin")
    parser.add_argument(
        "--memory", action="store_true", help="only: peak memory growth at 1920x1080 (Linux)"
    )
    args = parser.parse_args()
    load_checkout()
    import bpy

    from mmd2anime.layout.outputs import available_passes
    from mmd2anime.layout.passes import marks_hair, render_bundle, render_exr

    scene = _scene(bpy, args.look, args.model)
    if args.memory:
        _memory(bpy, scene, render_bundle)
        return
    folder = tempfile.mkdtemp()
    png, exr = os.path.join(folder, "plain.png"), os.path.join(folder, "passes.exr")
    layer = scene.view_layers[0]
    names = ["bundle", "blender", "still", "no edges"] + ["no hair"] * (args.look is not None)
    header = "".join(f" {name + ' s':>9} {'ratio':>6}" for name in names)
    print(f"{'engine':18} {'setting':>9} {'plain s':>8}{header} {'n':>4}")
    for engine in args.engines.split(","):
        scene.render.engine = engine
        for size, samples in _settings(args.settings):
            scene.render.resolution_x = scene.render.resolution_y = size
            scene.cycles.samples = scene.eevee.taa_render_samples = samples
            passes = available_passes(scene)
            still = tuple(p for p in passes if p != "motion")
            no_edges = tuple(p for p in passes if p != "edges")
            _plain_render(bpy, scene, png)  # warm-up (EEVEE compiles its shaders here)
            render_bundle(scene, passes=passes)
            runs = {
                "plain": partial(_plain_render, bpy, scene, png),
                "bundle": partial(_timed, render_bundle, scene, passes=passes),
                "blender": partial(
                    _timed, render_exr, scene, layer, exr, passes, hair=marks_hair(scene, layer)
                ),
                "still": partial(_timed, render_bundle, scene, passes=still),
                "no edges": partial(_timed, render_bundle, scene, passes=no_edges),
            }
            if args.look is not None:
                runs["no hair"] = partial(_timed, render_bundle, scene, passes=passes, hair=False)
            times = {name: [] for name in runs}
            while len(times["plain"]) < args.repeats or sum(times["plain"]) < args.seconds:
                for name, run in runs.items():
                    run()
                    times[name].append(run())
            p, *others = (statistics.median(t) for t in times.values())
            setting = f"{size}²/{samples}" if engine != "BLENDER_WORKBENCH" else f"{size}²"
            columns = "".join(f" {t:9.3f} {t / p:6.2f}" for t in others)
            count = len(times["plain"])
            print(f"{engine:18} {setting:>9} {p:8.3f}{columns} {count:4d}", flush=True)


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


if __name__ == "__main__":
    main()
