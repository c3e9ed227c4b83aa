# SPDX-License-Identifier: GPL-3.0-or-later
"""Mannequin import time (target: under 1 s) against a baseline measured in the same run.

Baseline: Blender's own ``Mesh.from_pydata`` loading the same vertices and triangles, with
no armature, weights, materials, normals or shape keys: the least any importer must pay.
Run from the repo root: ``.venv/bin/python bench/bench_import.py``.
"""

import statistics
import time

import bpy
from checkout import load_checkout

load_checkout()

from mmd2anime.mmd import blender_import  # noqa: E402 (after the checkout is loaded)
from mmd2anime.mmd.mannequin import build_mannequin  # noqa: E402

REPEATS = 5


def _fresh_scene() -> None:
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)


def _time(fn) -> float:
    runs = []
    for _ in range(REPEATS):
        _fresh_scene()
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    model = build_mannequin()
    verts = model.positions[:, [0, 2, 1]].tolist()
    faces = model.faces[:, [0, 2, 1]].tolist()

    def baseline() -> None:
        mesh = bpy.data.meshes.new("baseline")
        mesh.from_pydata(verts, [], faces)
        bpy.context.scene.collection.objects.link(bpy.data.objects.new("baseline", mesh))

    build = _time(build_mannequin)
    base = _time(baseline)
    full = _time(lambda: blender_import.import_model(model))
    print(f"mannequin: {len(model.positions)} vertices, {len(model.faces)} triangles, "
          f"{len(model.bones)} bones")  # fmt: skip
    print(f"baseline from_pydata:  {base * 1000:8.1f} ms  (1.00x)")
    print(f"build_mannequin():     {build * 1000:8.1f} ms  ({build / base:.2f}x)")
    print(f"import_model():        {full * 1000:8.1f} ms  ({full / base:.2f}x)")
    print(f"build + import:        {(build + full) * 1000:8.1f} ms  (target < 1000 ms)")


if __name__ == "__main__":
    main()
