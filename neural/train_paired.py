# SPDX-License-Identifier: GPL-3.0-or-later
"""Train a style pack from paired data: the same frames as cheap layouts and as the
final-quality target render (what the project renders itself, so both sides are ours).

``python -m mmd2anime.neural.train_paired --pair LAYOUTS TARGETS [--pair ...] --out PACK
--look NAME [--render-args "..."] [--size 256] [--steps N] [--batch 4] [--arch 2]``

LAYOUTS holds dataset-mode bundles (``NNNNNN_bundle.npz``), TARGETS the same samples (same
seed) rendered as the target (``NNNNNN_color.png``); samples pair by name. The pack's
metadata names its target, ``{"look": NAME, "render_args": [...]}``: ``render.py SCENE
--style none --look NAME <render_args...>`` renders the ground truth of any frame. The loss
is L1 plus L1 on Sobel gradients (lines and hard band edges, ``--gradient-weight``) in sRGB,
plus, with ``--energy-weight``, L1 on the gradient energy pooled over ENERGY_CELL-px cells:
where a line's place is uncertain by a pixel or two, the per-pixel terms are least wrong
with no line at all (the fill's median), while the pooled term asks for as much line work
in the cell as the target has, so the network inks the likeliest place (a mesh edge).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..bundle import FrameBundle
from . import data, inputs, losses
from .model import GeneratorConfig, build_generator
from .model_v2 import GeneratorV2Config, build_generator_v2
from .pack import StylePackError, base_metadata, load_pack, save_pack
from .stylize import resolve_device

TERMS = "Trained on frames rendered by mmd2anime itself (its own puppets and looks)."


@dataclass
class PairedOptions:
    pairs: list[tuple[str, str]]
    out: str
    look: str
    render_args: list[str] = field(default_factory=list)
    size: int = 256
    steps: int = 3000
    batch: int = 4
    lr: float = 2e-3
    arch: int = 2
    device: str = "cpu"
    threads: int = 0
    seed: int = 0
    name: str | None = None
    series: str | None = None
    notes: str | None = None
    checkpoint_every: int = 200  # steps between pack writes (a stopped run keeps its pack)
    init: str | None = None  # start from this pack's weights (fine-tuning on new targets)
    gradient_weight: float = 1.0  # the Sobel term: higher pulls lines and band edges harder
    color_bands: int = 0  # arch 2: shade bands that multiply the color (GeneratorV2Config)
    line_reach: int = 0  # arch 2: silhouette and depth-step rings at 1, 2, 4, ... px
    albedo: bool = False  # arch 2: take the albedo pass (inputs.IN_CHANNELS_ALBEDO)
    line_scale: bool = False  # arch 2: the network sees the frame height (line width)
    depth_gain: float = 1.0  # arch 2: gain of the depth-step rings
    edges: bool = False  # arch 2: take the edges pass too (inputs.IN_CHANNELS_EDGES)
    energy_weight: float = 0.0  # the pooled gradient-energy term (see the module's doc)
    light: bool = False  # arch 2: take N·L against the key light too (IN_CHANNELS_LIGHT)


# The share of training samples whose albedo group is blanked (mask 0), so an albedo pack
# still paints frames without the pass (Workbench, plain images).
ALBEDO_DROPOUT = 0.15
# The same for the edges group (bundles written before the pass, plain images).
EDGES_DROPOUT = 0.15
# The same for the light group (bundles written before it, plain images).
LIGHT_DROPOUT = 0.15
ENERGY_CELL = 8  # pixels: a few line widths, so a line one or two pixels off still counts


def load_pairs(
    pairs: list[tuple[str, str]], albedo: bool = False, edges: bool = False, light: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs (N, C, H, W) and targets (N, 3, H, W) in sRGB [-1, 1] of every pair of
    folders, matched by sample name; targets are resized to their layout's size.
    ``albedo``, ``edges``: inputs with the albedo group, and with the edges group after it
    (layouts rendered without the pass are an error); ``light``: with N·L after them
    (layouts rendered without the key light's direction are an error)."""
    xs, ys = [], []
    for layouts, targets in pairs:
        layouts, targets = Path(layouts), Path(targets)
        bundles = sorted(layouts.glob("*_bundle.npz"))
        if not bundles:
            raise data.DataError(f"{layouts}: holds no *_bundle.npz layouts")
        for path in bundles:
            target = targets / path.name.replace("_bundle.npz", "_color.png")
            if not target.is_file():
                raise data.DataError(f"{target}: missing (the target of {path})")
            try:
                bundle = FrameBundle.load(path)
            except ValueError as exc:
                raise data.DataError(str(exc).splitlines()[0]) from None
            if albedo and bundle.albedo is None:
                raise data.DataError(f"{path}: no albedo pass (render the layouts again)")
            if edges and bundle.edges is None:
                raise data.DataError(f"{path}: no edges pass (render the layouts again)")
            if light and (bundle.light is None or bundle.normal is None):
                raise data.DataError(
                    f"{path}: no key light direction or normals (render the layouts again)"
                )
            x = inputs.build_inputs(bundle, albedo=albedo, edges=edges, light=light)
            y = data.read_image(target).transpose(2, 0, 1) * 2 - 1
            if y.shape[1:] != x.shape[1:]:
                y = data.resize(torch.from_numpy(y)[None], *x.shape[1:])[0].numpy()
            xs.append(torch.from_numpy(x))
            ys.append(torch.from_numpy(np.ascontiguousarray(y, np.float32)))
    size = xs[0].shape[1:]
    # half precision in memory (crops are cut in float32): 120 samples at 384² are 2.5 GB
    xs = [data.resize(x[None], *size)[0].half() for x in xs]
    ys = [data.resize(y[None], *size)[0].half() for y in ys]
    return torch.stack(xs), torch.stack(ys)


def paired_crops(
    x: torch.Tensor, y: torch.Tensor, batch: int, size: int, rng: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The same random square crop (35-100 % of the short side, so line widths vary in
    pixels as they do across resolutions: up and down) of input and target, resized to
    ``size``, with a random horizontal flip (normal x flips sign with the picture); with
    the albedo group, ALBEDO_DROPOUT of the samples lose it, EDGES_DROPOUT the edges group
    and LIGHT_DROPOUT the light group (N·L is the same on the flipped crop: normal and light
    flip together). Also (B,) the frame height each crop's scale stands for: the frame's
    height times its resize factor."""
    n, _, h, w = x.shape
    short = min(h, w)
    xs, ys, heights = [], [], []
    for i in torch.randint(n, (batch,), generator=rng).tolist():
        side = max(8, int(short * (0.35 + 0.65 * torch.rand((), generator=rng).item())))
        top = torch.randint(h - side + 1, (), generator=rng).item()
        left = torch.randint(w - side + 1, (), generator=rng).item()
        window = (slice(i, i + 1), slice(None), slice(top, top + side), slice(left, left + side))
        # plain bilinear (scales lie within 0.5-2x): antialiasing took a third of a step
        cx = F.interpolate(x[window].float(), (size, size), mode="bilinear", align_corners=False)
        cy = F.interpolate(y[window].float(), (size, size), mode="bilinear", align_corners=False)
        if torch.rand((), generator=rng).item() < 0.5:
            cx, cy = cx.flip(-1), cy.flip(-1)
            cx[:, inputs.GEOMETRY.start + 1] *= -1  # normal x
        albedo, edges, light = inputs.input_groups(cx.shape[1])
        if albedo and torch.rand((), generator=rng).item() < ALBEDO_DROPOUT:
            cx[:, inputs.IN_CHANNELS : inputs.IN_CHANNELS_ALBEDO] = 0
        if edges and torch.rand((), generator=rng).item() < EDGES_DROPOUT:
            cx[:, inputs.EDGES : inputs.IN_CHANNELS_EDGES] = 0
        # drawn only for packs that take the group, so the others' crops come out as before
        if light and torch.rand((), generator=rng).item() < LIGHT_DROPOUT:
            cx[:, inputs.LAMBERT :] = 0
        xs.append(cx)
        ys.append(cy)
        heights.append(h * size / side)
    return torch.cat(xs), torch.cat(ys), torch.tensor(heights)


def paired_loss(
    out: torch.Tensor,
    target: torch.Tensor,
    gradient_weight: float = 1.0,
    energy_weight: float = 0.0,
) -> torch.Tensor:
    grad_out, grad_target = losses.sobel_magnitude(out), losses.sobel_magnitude(target)
    loss = F.l1_loss(out, target) + gradient_weight * (grad_out - grad_target).abs().mean()
    if energy_weight:
        cell = ENERGY_CELL
        energy = F.avg_pool2d(grad_out, cell, ceil_mode=True)
        loss = loss + energy_weight * F.l1_loss(
            energy, F.avg_pool2d(grad_target, cell, ceil_mode=True)
        )
    return loss


def build(opts: PairedOptions) -> torch.nn.Module:
    if opts.init:
        model, meta = load_pack(opts.init)
        if meta["arch_version"] != opts.arch:
            raise ValueError(
                f"--init {opts.init}: architecture {meta['arch_version']}, not {opts.arch}"
            )
        wanted = inputs.channel_count(opts.albedo, opts.edges, opts.light)
        if model.config.in_channels != wanted:
            raise ValueError(
                f"--init {opts.init}: the pack takes {model.config.in_channels} input "
                f"channels, these options give {wanted} (--albedo: "
                f"{inputs.IN_CHANNELS_ALBEDO}, --edges: {inputs.IN_CHANNELS_EDGES}, --light: "
                f"{inputs.IN_CHANNELS_LIGHT}, none: {inputs.IN_CHANNELS})"
            )
        return model
    if opts.arch == 2:
        channels = inputs.channel_count(opts.albedo, opts.edges, opts.light)
        config = GeneratorV2Config(channels, color_bands=opts.color_bands,
                                   line_reach=opts.line_reach, line_scale=opts.line_scale,
                                   depth_gain=opts.depth_gain)  # fmt: skip
        return build_generator_v2(config, seed=opts.seed)
    if opts.arch == 1:
        if opts.albedo or opts.edges or opts.light or opts.line_scale:
            raise ValueError("--albedo, --edges, --light and --line-scale need --arch 2")
        return build_generator(GeneratorConfig(), seed=opts.seed)
    raise ValueError(f"--arch {opts.arch}: 1 or 2")


def train_paired(opts: PairedOptions, command: str = "") -> int:
    device = resolve_device(opts.device)
    if device.type == "cpu":
        torch.set_num_threads(opts.threads or max(1, os.cpu_count() or 1))
    torch.manual_seed(opts.seed)
    try:
        x_all, y_all = load_pairs(opts.pairs, opts.albedo, opts.edges, opts.light)
        model = build(opts).to(device).train()
    except (data.DataError, StylePackError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    scaled = getattr(model.config, "line_scale", False)
    rng = torch.Generator().manual_seed(opts.seed)
    optimizer = torch.optim.Adam(model.parameters(), opts.lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, opts.lr, total_steps=opts.steps)
    start, last_print, loss = time.perf_counter(), 0.0, torch.zeros(())
    for step in range(1, opts.steps + 1):
        x, y, heights = paired_crops(x_all, y_all, opts.batch, opts.size, rng)
        out = model(x.to(device), frame_height=heights) if scaled else model(x.to(device))
        loss = paired_loss(out, y.to(device), opts.gradient_weight, opts.energy_weight)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        now = time.perf_counter()
        if opts.checkpoint_every and step % opts.checkpoint_every == 0 and step < opts.steps:
            _write(opts, model, len(x_all), step, now - start, loss, command)
        if now - last_print > 10 or step == opts.steps:
            last_print = now
            rate = step / (now - start)
            print(
                f"step {step}/{opts.steps} loss {loss.item():.4f} | {rate:.2f} steps/s",
                file=sys.stderr,
                flush=True,
            )
    pack = _write(opts, model, len(x_all), step, time.perf_counter() - start, loss, command)
    print(f"wrote {pack} ({step} steps)", file=sys.stderr)
    return 0


def _write(
    opts: PairedOptions,
    model: torch.nn.Module,
    samples: int,
    step: int,
    seconds: float,
    loss: torch.Tensor,
    command: str,
) -> Path:
    name = opts.name or Path(opts.out).stem
    meta = base_metadata(name, opts.series or name, model.config)
    meta["target"] = {"look": opts.look, "render_args": list(opts.render_args)}
    meta["training"] = {
        "kind": "paired",
        "resolution": opts.size,
        "steps": step,
        "seconds": round(seconds, 1),
        "samples": samples,
        # source_kind "paired": inputs of several looks (or none), so the shot's look check
        # (shot.domain_warning) has no single look to hold the scene to
        "data": {
            "source_kind": "paired",
            "pairs": [{"layouts": str(a), "targets": str(b)} for a, b in opts.pairs],
        },
        "terms": TERMS,
        "final_loss": round(loss.item(), 5),
        "options": asdict(opts),
        "command": command,
        "notes": opts.notes,
    }
    meta["initialized_only"] = False
    was_training = model.training
    path = save_pack(opts.out, model.eval(), meta)
    model.train(was_training)
    return path


def parse_args(argv: list[str]) -> PairedOptions:
    p = argparse.ArgumentParser(prog="python -m mmd2anime.neural.train_paired", description=__doc__)
    p.add_argument(
        "--pair", nargs=2, action="append", required=True, metavar=("LAYOUTS", "TARGETS")
    )
    p.add_argument("--out", required=True, help="the style pack to write (.safetensors)")
    p.add_argument("--look", required=True, help="the target's look (pack metadata)")
    p.add_argument("--render-args", default="", help="the target's extra render.py options")
    defaults = PairedOptions(pairs=[], out="", look="")
    for name in ("size", "steps", "batch", "lr", "arch", "device", "threads", "seed",
                 "checkpoint_every", "gradient_weight", "color_bands", "line_reach",
                 "depth_gain", "energy_weight"):  # fmt: skip
        value = getattr(defaults, name)
        p.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    for name in ("name", "series", "notes", "init"):
        p.add_argument(f"--{name}")
    p.add_argument("--albedo", action="store_true", help="arch 2: take the albedo pass")
    p.add_argument("--edges", action="store_true",
                   help="arch 2: take the edges pass (and the albedo pass)")  # fmt: skip
    p.add_argument("--light", action="store_true",
                   help="arch 2: take N·L against the key light (and both passes)")  # fmt: skip
    p.add_argument("--line-scale", action="store_true",
                   help="arch 2: the network sees the frame height (line width)")  # fmt: skip
    args = vars(p.parse_args(argv))
    args["pairs"] = [tuple(pair) for pair in args.pop("pair")]
    args["render_args"] = shlex.split(args["render_args"])
    return PairedOptions(**args)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    opts = parse_args(argv)
    command = shlex.join(["python", "-m", "mmd2anime.neural.train_paired", *argv])
    return train_paired(opts, command)


if __name__ == "__main__":
    sys.exit(main())
