# SPDX-License-Identifier: GPL-3.0-or-later
"""PMX read time (target: >= 4x faster than a per-record reader, < 0.04 s at ~15k vertices).

Baseline, measured in the same run: a straightforward Python reader that walks the vertex and
face sections record by record with struct.unpack_from (the way pure-Python readers such as
mmd_tools' do). It is timed against (a) our reader on the same two sections and (b) our full
``read_pmx`` of every section. The model is the synthetic every-feature model (all weight
types mixed, the worst case for the per-type numpy gather) at 15,000 vertices.
Run from the repo root: ``PYTHONPATH=<folder holding mmd2anime> .venv/bin/python bench/bench_pmx_read.py``.
"""

import statistics
import struct
import time

from mmd2anime.mmd import pmx
from mmd2anime.mmd.pmx_write import pmx_bytes
from mmd2anime.mmd.sample import sample_model

REPEATS = 7
N_VERTICES = 15_000


def baseline_vertices_faces(data: bytes) -> tuple[list, list]:
    """Per-record reader of the header, vertices and faces (the bulk of a model file)."""
    n_globals = data[8]
    g = data[9 : 9 + n_globals]
    encoding, n_uv, vsize, bsize = ("utf-16-le", "utf-8")[g[0]], g[1], g[2], g[5]
    bfmt, vfmt = {1: "<b", 2: "<h", 4: "<i"}[bsize], {1: "<B", 2: "<H", 4: "<i"}[vsize]
    pos = 9 + n_globals
    for _ in range(4):
        (size,) = struct.unpack_from("<i", data, pos)
        data[pos + 4 : pos + 4 + size].decode(encoding)
        pos += 4 + size
    (n,) = struct.unpack_from("<i", data, pos)
    pos += 4
    vertices = []
    for _ in range(n):
        co = struct.unpack_from("<3f", data, pos)
        normal = struct.unpack_from("<3f", data, pos + 12)
        uv = struct.unpack_from("<2f", data, pos + 24)
        pos += 32
        extra = []
        for _ in range(n_uv):
            extra.append(struct.unpack_from("<4f", data, pos))
            pos += 16
        kind = data[pos]
        pos += 1
        k = (1, 2, 4, 2, 4)[kind]
        bones = []
        for _ in range(k):
            bones.append(struct.unpack_from(bfmt, data, pos)[0])
            pos += bsize
        nw = (0, 1, 4, 1, 4)[kind]
        weights = struct.unpack_from(f"<{nw}f", data, pos)
        pos += 4 * nw
        sdef = None
        if kind == 3:
            sdef = struct.unpack_from("<9f", data, pos)
            pos += 36
        (edge,) = struct.unpack_from("<f", data, pos)
        pos += 4
        vertices.append((co, normal, uv, extra, kind, bones, weights, sdef, edge))
    (n,) = struct.unpack_from("<i", data, pos)
    pos += 4
    faces = []
    for _ in range(n // 3):
        faces.append(tuple(struct.unpack_from(vfmt, data, pos + i * vsize)[0] for i in range(3)))
        pos += 3 * vsize
    return vertices, faces


def ours_vertices_faces(data: bytes) -> None:
    cur = pmx._PMX(data, "bench.pmx")
    model = cur.header()
    cur.vertices(model)
    cur.faces(model)


def best(fn, data: bytes) -> tuple[float, float]:
    runs = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn(data)
        runs.append(time.perf_counter() - start)
    return min(runs), statistics.median(runs)


def main() -> None:
    model = sample_model(N_VERTICES, seed=0, version=2.1)
    data = pmx_bytes(model)
    base, base_med = best(baseline_vertices_faces, data)
    part, part_med = best(ours_vertices_faces, data)
    full, full_med = best(pmx.read_pmx, data)
    print(f"model: {N_VERTICES} vertices, {len(model.faces)} triangles, {len(data) / 1e6:.2f} MB")
    print(f"baseline per-record vertices+faces: best {base:.4f} s  median {base_med:.4f} s")
    print(f"ours vertices+faces:                best {part:.4f} s  median {part_med:.4f} s")
    print(f"ours full read_pmx:                 best {full:.4f} s  median {full_med:.4f} s")
    print(f"speed-up, same sections: {base / part:.1f}x; full read vs baseline: {base / full:.1f}x")


if __name__ == "__main__":
    main()
