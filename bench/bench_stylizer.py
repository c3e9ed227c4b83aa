# SPDX-License-Identifier: GPL-3.0-or-later
"""The stylizer per frame, end to end, against AnimeGANv2's generator in the same run.

    .venv/bin/python bench/bench_stylizer.py [--pack PACK] [--frames 8] [--threads 2]
        [--bundles DIR]

- CLI: ``python -m mmd2anime.neural.stylize --bundle DIR`` on N and on 1 frame(s) of 512²
  (synthetic pans, or the bundles of ``--bundles``); per frame = (T(N) - T(1)) / (N - 1), so
  Python's start and the pack's load are left out (printed apart).
- the same steps one by one in this process: bundle read, input building, network, output
  conversion, PNG write (what the CLI's reader and writer threads hide behind the network).
- networks alone at 512²: the pack's generator and AnimeGANv2's (``animeganv2.py``, random
  weights), each in a fresh subprocess, best of contiguous / channels_last
  (``bench_generator.py``'s worker).
- with CUDA: 1920x1080 frames/s of the pack's network in fp16, with the device's name.
Threads: ``--threads`` for torch everywhere (the CLI takes every core: run it on a machine
with that many).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from checkout import ROOT, load_checkout

HERE = Path(__file__).resolve().parent
SIZE = 512


def _cli_seconds(pack: Path, folder: Path, out: Path, threads: int) -> float:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    cmd = [sys.executable, "-c",
           "import sys; sys.path.insert(0, sys.argv[1]); from checkout import load_checkout; "
           "load_checkout(); from mmd2anime.neural.stylize import main; "
           "sys.exit(main(sys.argv[2:]))",
           str(HERE), "--style", str(pack), "--bundle", str(folder), "--out", str(out),
           "--device", "cpu", "--no-temporal"]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def _network(name: str, threads: int, device: str = "cpu", size=(SIZE, SIZE)) -> dict:
    runs = []
    for fmt in ("contiguous", "channels_last"):
        cmd = [sys.executable, str(HERE / "bench_generator.py"), "--worker", name, str(size[0]),
               str(size[1]), fmt, "--device", device, "--threads", str(threads)]  # fmt: skip
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return min(runs, key=lambda r: r["seconds"])


def _steps(pack: Path, bundle_paths: list[Path], out: Path) -> dict[str, float]:
    import numpy as np

    from mmd2anime.bundle import FrameBundle
    from mmd2anime.neural.stylize import Stylizer, unread_fields, write_png

    stylizer = Stylizer(pack, "cpu", threads=int(os.environ["BENCH_THREADS"]))
    times: dict[str, list[float]] = {k: [] for k in ("read", "inputs", "network", "png")}
    for path in bundle_paths:
        t0 = time.perf_counter()
        bundle = FrameBundle.load(path, skip=unread_fields(temporal_blend=False))  # as the CLI
        t1 = time.perf_counter()
        x = stylizer.build_inputs(bundle)[None]
        t2 = time.perf_counter()
        image = stylizer._forward(np.ascontiguousarray(x))[0]  # network + output conversion
        t3 = time.perf_counter()
        write_png(out / f"{path.stem}.png", image)
        t4 = time.perf_counter()
        for key, seconds in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            times[key].append(seconds)
    return {k: float(np.median(v)) for k, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--pack", type=Path, default=ROOT / "neural" / "packs" / "pastel.safetensors"
    )
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="CLI runs of each length")
    parser.add_argument("--bundles", type=Path, help="512² bundles to use (default: synthetic)")
    args = parser.parse_args()
    load_checkout()
    import torch

    from mmd2anime.neural.pack import read_metadata
    from mmd2anime.neural.synthetic import pan_sequence

    os.environ["BENCH_THREADS"] = str(args.threads)
    torch.set_num_threads(args.threads)
    meta = read_metadata(args.pack)
    arch = "mmd2anime-v2" if meta["arch_version"] == 2 else "mmd2anime"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        many, one = tmp / "many", tmp / "one"
        many.mkdir()
        one.mkdir()
        if args.bundles:
            sources = sorted(args.bundles.glob("*_bundle.npz"))[: args.frames]
            for i, src in enumerate(sources):
                for suffix in (".npz", ".json"):
                    (many / f"{i:04d}_bundle{suffix}").write_bytes(
                        src.with_suffix(suffix).read_bytes()
                    )
        else:
            for bundle in pan_sequence(SIZE, SIZE, args.frames, shift=4):
                bundle.albedo = bundle.color * 1.2  # as a layout render gives it: read it too
                bundle.save(many / f"{bundle.frame:04d}_bundle")
        paths = sorted(many.glob("*.npz"))
        for suffix in (".npz", ".json"):
            (one / f"0000_bundle{suffix}").write_bytes(paths[0].with_suffix(suffix).read_bytes())
        # alternating repeats, the fastest of each: the difference of two single runs swings
        # (even below 0) when other work on the machine comes and goes
        t_many, t_one = float("inf"), float("inf")
        for _ in range(args.repeats):
            t_many = min(t_many, _cli_seconds(args.pack, many, tmp / "out_many", args.threads))
            t_one = min(t_one, _cli_seconds(args.pack, one, tmp / "out_one", args.threads))
        per_frame = (t_many - t_one) / (len(paths) - 1)
        (tmp / "steps").mkdir()
        steps = _steps(args.pack, paths, tmp / "steps")
    ours = _network(arch, args.threads)
    theirs = _network("animeganv2", args.threads)
    print(f"pack {args.pack.name} (architecture v{meta['arch_version']}), {SIZE}², "
          f"{args.threads} threads, {len(paths)} frames")  # fmt: skip
    print(f"CLI per frame {per_frame:.3f} s (start + pack load + 1 frame: {t_one:.2f} s)")
    print("one by one: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in steps.items()))
    outside = steps["read"] + steps["inputs"] + steps["png"]
    print(
        f"outside the network (read + inputs + png): {outside * 1000:.0f} ms, "
        f"{outside / steps['network']:.2f}x the network step (hidden by the CLI's threads)"
    )
    print(f"network alone: ours {ours['seconds']:.3f} s, AnimeGANv2 {theirs['seconds']:.3f} s")
    print(f"speed-up: CLI per frame x{theirs['seconds'] / per_frame:.2f} vs AnimeGANv2's "
          f"network; network alone x{theirs['seconds'] / ours['seconds']:.2f}")  # fmt: skip
    if torch.cuda.is_available():
        gpu = _network(arch, args.threads, "cuda", (1920, 1080))
        print(f"CUDA {torch.cuda.get_device_name()}: 1920x1080 fp16 network "
              f"{1 / gpu['seconds']:.1f} frames/s")  # fmt: skip
    else:
        print("no CUDA device: 1080p fp16 GPU frames/s not measured")


if __name__ == "__main__":
    main()
