# SPDX-License-Identifier: GPL-3.0-or-later
"""Held-out benchmark of the default style packs against their own target renders.

    .venv/bin/python bench/bench_stylizer_heldout.py --out DIR [--count 4]
        [--sizes 256 512] [--looks pastel vivid] [--v2 DIR] [--v1 DIR] [--json FILE]

Puppets and seeds no pack saw in training: the mannequin (seed 901), random characters
(seed 902) and the shared real model (初音ミク.pmx, seed 903; skipped without
../shared/data). Each is rendered by dataset mode as the cheap plain layout (4 samples) and,
per look, as the pack's target: the same frames with ``--look NAME`` plus the pack's
``target.render_args``. Rows: identity (the layout itself), the v1 pack, the first v2 pack
(no albedo input, trained on a cheaper target: ``FIRST_V2_REV``) and the v2 pack, run
through the Stylizer like Stylize shot does (temporal blending off: stills). Metrics against
the target: SSIM on CIE lightness L*, mean CIE76 ΔE (whole frame, and on the figure alone:
the background holds most pixels), edge F1 (Canny, 2 px), sharpness ratio
(mean Sobel magnitude of L*, output / target) and chroma ratio (mean Lab chroma, output /
target). Also the cost ratio: target render seconds / (layout + stylize) per frame, the
renders timed per frame (``render_seconds``).
Renders are reused when their manifest matches.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from checkout import ROOT, load_checkout

SHARED_MODEL = ROOT.parent / "shared" / "data" / "mmd-samples" / "初音ミク.pmx"
SETS = {  # name: (seed, render.py puppet options)
    "mannequin": (901, []),
    "characters": (902, ["--characters", "random"]),
    "real model": (903, ["--model", str(SHARED_MODEL)]),
}
LAYOUT_SAMPLES = 4
V1_REV = "a97248f"  # the last commit whose shipped packs were v1 (unpaired training)
# the last commit whose shipped packs were the first v2 ones (no albedo, 64-sample target)
FIRST_V2_REV = "e11d053"


def render(folder: Path, count: int, seed: int, size: int, extra: list[str]) -> dict:
    manifest = folder / "manifest.json"
    if manifest.exists():
        done = json.loads(manifest.read_text())
        # a layout rendered before the edges pass or the key light's direction would feed
        # a pack made for them zeros
        passes = done["frames"][0]["passes"] if done.get("frames") else []
        first = next(folder.glob("*_bundle.json"), None)
        lit = first is None or "light" in json.loads(first.read_text())
        same = done["count"] == count and done["resolution"] == [size, size]
        if same and "edges" in passes and lit:
            return done
    cmd = [sys.executable, str(ROOT / "render.py"), "--dataset", str(count), "--seed",
           str(seed), "--resolution", f"{size}x{size}", "--out", str(folder), *extra]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True)
    return json.loads(manifest.read_text())


def render_seconds(manifest: dict) -> float:
    """Mean seconds per frame of the frames' render and pass reading, as dataset mode times
    them: without the scene setup (building or importing the puppet, once per shot) and
    without the preview and bundle files (Stylize shot hands the passes over in memory)."""
    return float(np.mean([f["timings"]["render"] for f in manifest["frames"]]))


def _bundles(folder: Path):
    from mmd2anime.bundle import FrameBundle

    return [FrameBundle.load(p) for p in sorted(folder.glob("*_bundle.npz"))]


def scores(output: np.ndarray, target: np.ndarray, figure: np.ndarray) -> dict[str, float]:
    """Metrics of a linear RGB output against the linear RGB target; ``figure`` (bool) marks
    the puppet's pixels, where ΔE76 is also taken alone (the background dominates a frame)."""
    import cv2

    from mmd2anime.neural import metrics

    # Compare what is displayed, the frames as written to PNG: a look's photography (bloom,
    # gain) takes the paper past 1.0 in linear light, which no PNG and no network output
    # holds; unclipped, that headroom read as ΔE76 ~13 and chroma 0.6 on a background that
    # matches to 2/255.
    output, target = np.clip(output, 0, 1), np.clip(target, 0, 1)
    lab_out, lab_target = metrics.linear_rgb_to_lab(output), metrics.linear_rgb_to_lab(target)

    def sharpness(lab):
        lightness = lab[..., 0].astype(np.float32)
        gx = cv2.Sobel(lightness, cv2.CV_32F, 1, 0)
        gy = cv2.Sobel(lightness, cv2.CV_32F, 0, 1)
        return float(np.sqrt(gx * gx + gy * gy).mean())

    def chroma(lab):
        return float(np.hypot(lab[..., 1], lab[..., 2]).mean())

    srgb_out, srgb_target = metrics.srgb(output), metrics.srgb(target)
    return {
        "ssim_L": metrics.ssim(lab_out[..., 0] / 100, lab_target[..., 0] / 100),
        "delta_e76": metrics.delta_e76(output, target),
        "delta_e76_figure": metrics.delta_e76(output[figure], target[figure]),
        "edge_f1": metrics.edge_f1(metrics.canny_edges(srgb_out), metrics.canny_edges(srgb_target)),
        "sharpness_ratio": sharpness(lab_out) / max(sharpness(lab_target), 1e-6),
        "chroma_ratio": chroma(lab_out) / max(chroma(lab_target), 1e-6),
    }


def git_packs(folder: Path, looks: list[str], rev: str) -> Path:
    """The packs as shipped at ``rev``, extracted from git into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for look in looks:
        path = folder / f"{look}.safetensors"
        if not path.exists():
            blob = subprocess.run(
                ["git", "-C", str(ROOT), "show", f"{rev}:neural/packs/{look}.safetensors"],
                check=True,
                capture_output=True,
            ).stdout
            path.write_bytes(blob)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True, type=Path, help="render and scratch folder")
    parser.add_argument("--count", type=int, default=4, help="frames per puppet and size")
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--looks", nargs="+", default=["pastel", "vivid"])
    parser.add_argument("--v2", type=Path, default=ROOT / "neural" / "packs")
    parser.add_argument("--v1", type=Path, help="folder of v1 packs (default: from git)")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "stylizer_heldout.json")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    load_checkout()
    import torch

    from mmd2anime.neural.pack import read_metadata
    from mmd2anime.neural.stylize import Stylizer

    torch.set_num_threads(args.threads)
    v1_dir = args.v1 or git_packs(args.out / "v1", args.looks, V1_REV)
    first_dir = git_packs(args.out / "v2_first", args.looks, FIRST_V2_REV)
    sets = {k: v for k, v in SETS.items() if k != "real model" or SHARED_MODEL.exists()}
    if len(sets) < len(SETS):
        print(f"skipping the real model: {SHARED_MODEL} is absent", file=sys.stderr)
    results: list[dict] = []
    for look in args.looks:
        packs = {"v1": v1_dir / f"{look}.safetensors",
                 "v2 first": first_dir / f"{look}.safetensors",
                 "v2": args.v2 / f"{look}.safetensors"}  # fmt: skip
        meta = read_metadata(packs["v2"])
        target = meta.get("target") or {"look": look, "render_args": []}
        stylizers = {row: Stylizer(path, "cpu") for row, path in packs.items()}
        for stylizer in stylizers.values():
            stylizer.temporal_strength = 0.0
        torch.set_num_threads(args.threads)  # the Stylizer leaves a core to Blender's UI
        for name, (seed, puppet) in sets.items():
            for size in args.sizes:
                tag = f"{name.replace(' ', '_')}_{seed}_{size}"
                layout_m = render(args.out / f"{tag}_layout", args.count, seed, size, puppet)
                target_args = [*puppet, "--look", target["look"], *target["render_args"]]
                target_m = render(args.out / f"{tag}_{look}", args.count, seed, size, target_args)
                layouts = _bundles(args.out / f"{tag}_layout")
                truth_bundles = _bundles(args.out / f"{tag}_{look}")
                truths = [b.color for b in truth_bundles]
                figures = [b.alpha > 0.5 for b in truth_bundles]
                answers = {"identity": [b.color for b in layouts]}
                seconds = {}
                for row, stylizer in stylizers.items():
                    stylizer(layouts[:1])  # warm-up
                    start = time.perf_counter()
                    answers[row] = stylizer(layouts, temporal_blend=False)
                    seconds[row] = (time.perf_counter() - start) / len(layouts)
                layout_s, target_s = render_seconds(layout_m), render_seconds(target_m)
                for row, images in answers.items():
                    per = [scores(np.nan_to_num(o), np.nan_to_num(t), f)
                           for o, t, f in zip(images, truths, figures, strict=True)]  # fmt: skip
                    entry = {"look": look, "set": name, "size": size, "row": row,
                             **{k: float(np.mean([p[k] for p in per])) for k in per[0]}}  # fmt: skip
                    if row in seconds:
                        entry["stylize_s"] = seconds[row]
                        entry["cost_ratio"] = target_s / (layout_s + seconds[row])
                    entry["layout_s"], entry["target_s"] = layout_s, target_s
                    results.append(entry)
                    print(_row(entry), flush=True)
    report = {
        "frames_per_row": args.count,
        "target_render_args": {
            look: read_metadata(args.v2 / f"{look}.safetensors").get("target")
            for look in args.looks
        },  # fmt: skip
        "threads": args.threads,
        "rows": results,
    }
    args.json.write_text(json.dumps(report, indent=1))
    print(f"wrote {args.json}")
    print(markdown(results))


COLUMNS = ("ssim_L", "delta_e76", "delta_e76_figure", "edge_f1", "sharpness_ratio", "chroma_ratio")


def _row(e: dict) -> str:
    values = " ".join(f"{e[c]:.3f}" for c in COLUMNS)
    extra = f" cost x{e['cost_ratio']:.1f}" if "cost_ratio" in e else ""
    return f"{e['look']:>7} {e['set']:>10} {e['size']:4d} {e['row']:>8} {values}{extra}"


def markdown(results: list[dict]) -> str:
    lines = ["| look | puppet | size | row | SSIM(L) | ΔE76 | ΔE76 figure | edge F1 | sharpness "
             "| chroma | target / (layout + stylize) |", "|" + "---|" * 11]  # fmt: skip
    for e in results:
        cost = f"{e['cost_ratio']:.1f}×" if "cost_ratio" in e else ""
        lines.append(
            f"| {e['look']} | {e['set']} | {e['size']} | {e['row']} | {e['ssim_L']:.3f} | "
            f"{e['delta_e76']:.2f} | {e['delta_e76_figure']:.2f} | {e['edge_f1']:.3f} | "
            f"{e['sharpness_ratio']:.2f} | "
            f"{e['chroma_ratio']:.2f} | {cost} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
