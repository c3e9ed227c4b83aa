# SPDX-License-Identifier: GPL-3.0-or-later
"""Generator speed and memory vs AnimeGANv2's generator, measured in the same run.

    .venv/bin/python bench/bench_generator.py [--device cpu|cuda] [--threads 2]

Each (model, size, memory format) runs in a fresh subprocess so peak memory is its own:
on CPU the ru_maxrss growth during the first forward pass, on CUDA
torch.cuda.max_memory_allocated. Each model is timed in both memory formats and its faster
one reported (a fair baseline); CUDA runs in fp16 like the Stylizer.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from checkout import ROOT, load_checkout

SIZES = ((256, 256), (512, 512), (1920, 1080))
MODELS = ("mmd2anime", "mmd2anime-v2", "animeganv2")
HERE = Path(__file__).resolve().parent


def _build(name: str, device: str):
    if name == "animeganv2":
        sys.path.insert(0, str(HERE))
        from animeganv2 import AnimeGANv2Generator

        return AnimeGANv2Generator(), 3
    load_checkout()
    from mmd2anime.neural.inputs import IN_CHANNELS
    from mmd2anime.neural.model import build_generator
    from mmd2anime.neural.model_v2 import build_generator_v2

    if name == "mmd2anime-v2":
        # the shipped packs' configuration, strip-wise on CPU as the Stylizer runs it
        from mmd2anime.neural.model_v2 import GeneratorV2Config
        from mmd2anime.neural.pack import read_metadata
        from mmd2anime.neural.stylize import CPU_STRIP_PIXELS

        meta = read_metadata(ROOT / "neural" / "packs" / "pastel.safetensors")
        config = GeneratorV2Config.from_dict(meta["config"])
        model = build_generator_v2(config, seed=0)
        model.strip_pixels = CPU_STRIP_PIXELS if device == "cpu" else None
        return model, config.in_channels
    return build_generator(seed=0), IN_CHANNELS


def worker(name: str, width: int, height: int, fmt: str, device: str, threads: int) -> dict:
    import torch

    torch.set_num_threads(threads)
    model, channels = _build(name, device)
    memory_format = torch.channels_last if fmt == "channels_last" else torch.contiguous_format
    model = model.eval().to(device, memory_format=memory_format)
    x = torch.randn(1, channels, height, width, device=device)
    if device == "cuda":
        model, x = model.half(), x.half()
    x = x.contiguous(memory_format=memory_format)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    with torch.inference_mode():
        if device == "cuda":
            torch.cuda.reset_peak_memory_stats()
            base = torch.cuda.memory_allocated()
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        model(x)
        sync()
        if device == "cuda":
            peak_mb = (torch.cuda.max_memory_allocated() - base) / 2**20
        else:
            peak_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
        times = []
        budget = time.perf_counter() + 20
        while len(times) < 2 or (time.perf_counter() < budget and len(times) < 10):
            start = time.perf_counter()
            model(x)
            sync()
            times.append(time.perf_counter() - start)
    params = sum(p.numel() for p in model.parameters())
    return {"seconds": min(times), "peak_mb": peak_mb, "params": params}


def _run(name, width, height, fmt, device, threads) -> dict:
    cmd = [sys.executable, __file__, "--worker", name, str(width), str(height), fmt,
           "--device", device, "--threads", str(threads)]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--worker", nargs=4, metavar=("MODEL", "W", "H", "FORMAT"))
    args = parser.parse_args()
    if args.worker:
        name, w, h, fmt = args.worker
        print(json.dumps(worker(name, int(w), int(h), fmt, args.device, args.threads)))
        return
    print(f"device {args.device}, {args.threads} threads; best of contiguous/channels_last")
    print(f"{'size':>10} {'model':>12} {'s/frame':>9} {'peak MB':>8} {'params':>9}")
    for width, height in SIZES:
        best = {}
        for name in MODELS:
            runs = [_run(name, width, height, f, args.device, args.threads)
                    for f in ("contiguous", "channels_last")]  # fmt: skip
            best[name] = min(runs, key=lambda r: r["seconds"])
            r = best[name]
            print(f"{width}x{height:<5} {name:>12} {r['seconds']:9.4f} {r['peak_mb']:8.1f} "
                  f"{r['params']:9d}")  # fmt: skip
        theirs = best["animeganv2"]
        for name in ("mmd2anime", "mmd2anime-v2"):
            ours = best[name]
            print(f"{name:>23} speed-up x{theirs['seconds'] / ours['seconds']:.2f}, peak memory "
                  f"ratio {ours['peak_mb'] / max(theirs['peak_mb'], 1e-6):.2f} (/AnimeGANv2)")  # fmt: skip


if __name__ == "__main__":
    main()
