# SPDX-License-Identifier: GPL-3.0-or-later
"""Built-in characters: build + import time (target: at most 0.3 s each) and triangles
(at most 20k), against the mannequin's build + import measured in the same run.

Build = parameters -> Model -> PMX bytes (our writer) -> Model (our reader), as every use
of a character goes; import = our importer into an empty scene. Medians of --repeats runs.
Run from the repo root: ``.venv/bin/python bench/bench_characters.py [--repeats 3]``.
``--stray`` instead counts stray pixels (bench_stray_pixels' measure: covered in the look's
render, > 8 px off the plain silhouette) for every preset, library pose and shipped look,
from the front and at 35 degrees, Cycles 1 sample at ``--size`` (128) pixels.
"""

import argparse
import statistics
import time

import bpy
from checkout import load_checkout

load_checkout()

from mmd2anime.mmd import blender_characters, blender_import  # noqa: E402
from mmd2anime.mmd.characters import PRESETS, character_model  # noqa: E402
from mmd2anime.mmd.mannequin import mannequin_model  # noqa: E402

TARGET_SECONDS = 0.3
TRIANGLES = 20_000


def _median(fn, repeats: int) -> tuple[float, float]:
    """Median seconds of (build, import) over fresh scenes."""
    builds, imports = [], []
    for _ in range(repeats):
        bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
        start = time.perf_counter()
        model = fn()
        built = time.perf_counter()
        blender_import.import_model(model)
        builds.append(built - start)
        imports.append(time.perf_counter() - built)
    return statistics.median(builds), statistics.median(imports)


def stray(size: int) -> None:
    import bench_stray_pixels as sp

    from mmd2anime.mmd.pose_library import POSES
    from mmd2anime.shaders import looks

    names = looks.list_looks()
    print(f"stray pixels at {size}², looks: {', '.join(names)}; cameras: 0 and 35 degrees")
    print("character | pose | stray pixels per look | max line reach px")
    total = 0
    for spec in PRESETS:
        for pose in POSES:
            bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
            scene = bpy.context.scene
            sp.setup_render(scene, size)
            armature = blender_characters.add_character(spec)
            blender_characters.apply_library_pose(armature, pose)
            counts, reach = [], 0.0
            for name in names:
                look, count = looks.load_look(name), 0
                for azimuth in (0.0, 35.0):
                    sp.frame_figure(scene, armature, azimuth, 1.0)
                    n, far, _, _ = sp.measure(scene, armature, look)
                    count, reach = count + n, max(reach, far)
                counts.append(count)
            total += sum(counts)
            print(f"{spec} | {pose} | {' '.join(map(str, counts))} | {reach:.1f}", flush=True)
    print(f"stray pixels in all: {total}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stray", action="store_true", help="stray pixels instead of times")
    parser.add_argument("--size", type=int, default=128)
    args = parser.parse_args()
    if args.stray:
        stray(args.size)
        return
    base_build, base_import = _median(mannequin_model, args.repeats)
    base = base_build + base_import
    print(f"mannequin: build {base_build * 1000:.0f} ms + import {base_import * 1000:.0f} ms "
          f"= {base * 1000:.0f} ms (1.00x), {len(mannequin_model().faces)} triangles")  # fmt: skip
    print("character | triangles | build ms | import ms | total ms | x mannequin")
    worst = 0.0
    for spec in [*PRESETS, "seed:1", "seed:2", "seed:3"]:
        build, imp = _median(lambda s=spec: character_model(s), args.repeats)
        triangles = len(character_model(spec).faces)
        total = build + imp
        worst = max(worst, total)
        flag = "" if total <= TARGET_SECONDS and triangles <= TRIANGLES else "  (over target)"
        print(f"{spec} | {triangles} | {build * 1000:.0f} | {imp * 1000:.0f} | "
              f"{total * 1000:.0f} | {total / base:.2f}x{flag}")  # fmt: skip
    print(f"slowest character: {worst * 1000:.0f} ms = {worst / base:.2f}x the mannequin "
          f"(target {TARGET_SECONDS * 1000:.0f} ms)")  # fmt: skip


if __name__ == "__main__":
    main()
