# SPDX-License-Identifier: GPL-3.0-or-later
"""Paired evaluation of style training: does the generator reach a look it never saw paired?

Data (rendered with Blender's dataset mode, reused when already there): train layouts (plain,
seed 1), train targets in look B = vivid from a disjoint seed (3: unpaired), test layouts
(seed 2) and their ground truth in look B (seed 2: the same cameras and poses, paired).
Trains a full and a no-skeleton generator with the same steps, then scores rows identity
(the plain render as the answer: the baseline), no-skeleton and full against the ground truth
with SSIM, mean CIE76, edge F1 and PCK@0.05 by two keypoint heads trained on look-B renders:
one on them as they are (it rewards frames that are in look B and in the right pose) and one
over random backgrounds and colors (pose alone, so identity, the render itself, scores near
the ceiling). Each head's score on the ground truth is its ceiling. Writes table.md + .json.

.venv/bin/python bench/paired_benchmark.py [--quick] [--count N] [--size S] [--steps N]
[--detector-steps N] [--reuse-packs] --out DIR
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np
from checkout import load_checkout

LOOK = "vivid"
SPLITS = {  # name: (seed, look)
    "train_layouts": (1, None),
    "train_targets": (3, LOOK),
    "test_layouts": (2, None),
    "test_truth": (2, LOOK),
}


def render_splits(out: Path, count: int, size: int) -> None:
    import bpy  # noqa: F401  (dataset mode needs Blender)

    from mmd2anime.layout.dataset import write_dataset

    for name, (seed, look) in SPLITS.items():
        folder = out / name
        manifest = folder / "manifest.json"
        if manifest.exists():
            done = json.loads(manifest.read_text())
            if done["count"] == count and done["resolution"] == [size, size]:
                print(f"reusing {folder}", file=sys.stderr)
                continue
            shutil.rmtree(folder)
        start = time.perf_counter()
        write_dataset(folder, count, seed=seed, size=(size, size), look=look, samples=4)
        print(f"rendered {folder} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    style = out / "train_style"
    shutil.rmtree(style, ignore_errors=True)
    style.mkdir()
    for png in sorted((out / "train_targets").glob("*_color.png")):
        shutil.copy(png, style / png.name)


def _bundles(folder: Path):
    from mmd2anime.bundle import FrameBundle

    return [FrameBundle.load(p) for p in sorted(folder.glob("*_bundle.npz"))]


DETECTORS = {  # column: whether the detector trains on augmented copies
    "pck@0.05": False,  # look B only: rewards frames in look B and in the right pose
    "pck@0.05_shape": True,  # any background and colors: pose alone
}


def train_detector(out: Path, steps: int, augmented: bool):
    """A keypoint head trained on look-B renders and their keypoints (PCK's detector); with
    ``augmented``, over random backgrounds and colors so that it judges pose, not look."""
    import torch

    from mmd2anime.neural import data, inputs
    from mmd2anime.neural.keypoint_head import KeypointHead, fit

    x = torch.from_numpy(
        np.stack([inputs.build_inputs(b) for b in _bundles(out / "train_targets")])
    )
    torch.manual_seed(0)
    head = KeypointHead()
    alpha = x[:, inputs.ALPHA].contiguous() if augmented else None
    loss = fit(head, x[:, :3].contiguous(), data.heatmap_targets(x), steps, alpha=alpha)
    print(f"keypoint detector (augmented {augmented}): {steps} steps, loss {loss:.4f}",
          file=sys.stderr)  # fmt: skip
    return head


def train_pack(
    out: Path, name: str, size: int, steps: int, no_skeleton: bool, pose_weight: float | None
) -> dict:
    from mmd2anime.neural import train

    opts = train.TrainOptions(
        style_frames=str(out / "train_style"),
        layouts=str(out / "train_layouts"),
        out=str(out / f"{name}.safetensors"),
        size=size,
        steps=steps,
        batch=4,
        device="cpu",
        checkpoint_every=0,
        no_skeleton=no_skeleton,
        name=name,
        series="paired benchmark",
    )
    if pose_weight is not None:
        opts.pose_weight = pose_weight
    shutil.rmtree(opts.checkpoint_dir, ignore_errors=True)
    start = time.perf_counter()
    if train.train(opts, command=f"paired_benchmark {name}") != 0:
        raise SystemExit(f"training {name} failed")
    return {"seconds": time.perf_counter() - start, "steps": steps}


def _trained(pack: Path) -> dict:
    from mmd2anime.neural.pack import load_pack

    training = load_pack(pack)[1]["training"]
    return {"seconds": training["seconds"], "steps": training["steps"], "reused": True}


def evaluate(out: Path, detectors: dict) -> dict[str, dict[str, float]]:
    import torch

    from mmd2anime.neural import data, inputs, metrics
    from mmd2anime.neural.pack import load_pack

    layouts, truths = _bundles(out / "test_layouts"), _bundles(out / "test_truth")
    detect = {column: metrics.KeypointDetector(head) for column, head in detectors.items()}
    models = {name: load_pack(out / f"{name}.safetensors")[0] for name in ("no-skeleton", "full")}
    answers: dict[str, list[np.ndarray]] = {"identity": [], "no-skeleton": [], "full": []}
    for layout in layouts:
        x = torch.from_numpy(inputs.build_inputs(layout))[None]
        answers["identity"].append(inputs.linear_to_srgb(layout.color))
        for name, model in models.items():
            x_in = data.drop_skeleton(x) if name == "no-skeleton" else x
            with torch.no_grad():
                y = model(x_in)[0].permute(1, 2, 0).numpy()
            answers[name].append((y + 1) / 2)
    answers["ground truth (ceiling)"] = [inputs.linear_to_srgb(t.color) for t in truths]
    table = {}
    for name, images in answers.items():
        rows = {"ssim": [], "delta_e76": [], "edge_f1": []}
        found, truth_points, visible = {c: [] for c in detect}, [], []
        for image, truth in zip(images, truths, strict=True):
            reference = inputs.linear_to_srgb(truth.color)
            rows["ssim"].append(metrics.ssim(image, reference))
            # both as displayed, clipped to [0, 1]: vivid's paper is ~1.2 in linear light,
            # and scoring the unclipped truth put the ground truth itself at ΔE 12
            rows["delta_e76"].append(
                metrics.delta_e76(inputs.srgb_to_linear(image), inputs.srgb_to_linear(reference))
            )
            rows["edge_f1"].append(
                metrics.edge_f1(metrics.canny_edges(image), metrics.canny_edges(reference))
            )
            if len(truth.people):
                for column, detector in detect.items():
                    found[column].append(detector(image.astype(np.float32)))
                truth_points.append(truth.keypoints[0])
                visible.append(truth.visibility[0] == 2)
        table[name] = {k: float(np.mean(v)) for k, v in rows.items()}
        for column, points in found.items():
            table[name][column] = metrics.pck(
                np.array(points), np.array(truth_points), np.array(visible)
            )
    return table


def write_table(out: Path, table: dict, info: dict) -> None:
    columns = ("ssim", "delta_e76", "edge_f1", *DETECTORS)
    lines = [
        f"Paired benchmark: look {LOOK}, {info['count']} frames per split at {info['size']} px, "
        f"{info['steps']} training steps (full {info['full']['seconds']:.0f} s, no-skeleton "
        f"{info['no-skeleton']['seconds']:.0f} s). SSIM and edge F1 higher is better, CIE76 "
        "lower is better. PCK@0.05 by a detector trained on look-B renders (pose and look), "
        "and by one trained on them over random backgrounds and colors (pose alone).",
        "",
        "| row | SSIM | mean CIE76 | edge F1 | PCK@0.05 | PCK@0.05 shape only |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in table.items():
        lines.append(f"| {name} | " + " | ".join(f"{row[c]:.3f}" for c in columns) + " |")
    (out / "table.md").write_text("\n".join(lines) + "\n")
    (out / "table.json").write_text(json.dumps({"info": info, "rows": table}, indent=1))
    print("\n".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny end-to-end run (< 3 min)")
    parser.add_argument("--count", type=int, default=48)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--detector-steps", type=int, default=2000)
    parser.add_argument("--pose-weight", type=float, help="default: the trainer's")
    parser.add_argument("--out", required=True)
    parser.add_argument(
        "--reuse-packs", action="store_true", help="score the packs already in --out"
    )
    args = parser.parse_args()
    if args.quick:
        args.count, args.size, args.steps, args.detector_steps = 8, 64, 20, 100
    load_checkout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    render_splits(out, args.count, args.size)
    info = {"count": args.count, "size": args.size, "steps": args.steps, "look": LOOK,
            "pose_weight": args.pose_weight}  # fmt: skip
    for name, no_skeleton in (("full", False), ("no-skeleton", True)):
        pack = out / f"{name}.safetensors"
        if args.reuse_packs and pack.exists():
            info[name] = _trained(pack)
        else:
            info[name] = train_pack(out, name, args.size, args.steps, no_skeleton, args.pose_weight)
    detectors = {
        column: train_detector(out, args.detector_steps, augmented)
        for column, augmented in DETECTORS.items()
    }
    table = evaluate(out, detectors)
    info["total_seconds"] = time.perf_counter() - started
    write_table(out, table, info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
