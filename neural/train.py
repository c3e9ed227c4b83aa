# SPDX-License-Identifier: GPL-3.0-or-later
"""Train a style pack from unpaired data: source layouts (or plain frames) and style frames.

``python -m mmd2anime.neural.train --style-frames DIR (--layouts DIR | --source-frames DIR)
--out PACK [--size 256] [--steps N] [--batch 4] [--device auto] [--resume]
[--checkpoint-every N] [--no-gan] [--no-surface] [--no-texture] [--no-palette] [--no-nce]
[--no-edge] [--no-pose] [--no-skeleton] [--arch 2]``

``--arch 2`` (the default) trains the crisp, layered generator v2 (model_v2.py), its
low-resolution branch's features feeding the patch-contrastive loss; ``--arch 1`` the first
packs' generator.

Checkpoints (safetensors: every network and the optimizers' state flattened into tensors,
plus a JSON with the step and options), ``preview.png`` and ``losses.csv`` live in
``<PACK>.ckpt/``. Ctrl-C finishes the step, writes a checkpoint and the pack, exits 130.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shlex
import signal
import sys
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import cv2
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from . import data, inputs, keypoint_head, losses, train_metrics
from .discriminator import MultiScalePatchGAN
from .keypoint_head import KeypointHead, heatmap_loss
from .model import GeneratorConfig, build_generator
from .model_v2 import GeneratorV2Config, build_generator_v2
from .pack import base_metadata, save_pack
from .stylize import resolve_device

TERMS = (
    "Train only on frames you own or may use for this purpose; the pack inherits the "
    "terms of its training frames."
)
EXIT_DATA = 2
EXIT_INTERRUPTED = 130
WEIGHTS = {"gan": 1.0, "surface": 1.0, "texture": 1.0, "nce": 1.0, "edge": 2.0}


@dataclass
class TrainOptions:
    style_frames: str
    out: str
    layouts: str | None = None
    source_frames: str | None = None
    size: int = 256
    steps: int = 2000
    batch: int = 4
    device: str = "auto"
    resume: bool = False
    checkpoint_every: int = 500
    no_gan: bool = False
    no_surface: bool = False
    no_texture: bool = False
    no_palette: bool = False
    no_nce: bool = False
    no_edge: bool = False
    no_pose: bool = False
    no_skeleton: bool = False
    palette_weight: float = 10.0
    pose_weight: float = 0.3  # higher, and the generator paints marks at the joints
    lr: float = 2e-4
    seed: int = 0
    name: str | None = None
    series: str | None = None
    arch: int = 2  # generator architecture: 2 (crisp, layered) or 1 (the first packs)
    generator_channels: int = 0  # 0: the architecture's default (v1 64, v2 48)
    generator_blocks: int = 0  # 0: the architecture's default (v1 8, v2 4)
    disc_channels: int = 16  # width of the discriminators' first layer (doubles per layer)
    threads: int = 0  # CPU threads for torch; 0 = every core
    notes: str | None = None  # free text for the pack (how the data was made)

    @property
    def checkpoint_dir(self) -> Path:
        return Path(self.out).with_suffix(".ckpt")


class Trainer:
    """Every network, optimizer and loss switch of one training run."""

    def __init__(self, opts: TrainOptions, device: torch.device):
        self.opts, self.device = opts, device
        torch.manual_seed(opts.seed)
        self.rng = torch.Generator().manual_seed(opts.seed)
        self.generator = _build_generator(opts).to(device)
        config = self.generator.config
        # the widths of the features return_features gives, for the NCE heads
        c = config.channels
        widths = [config.stem_channels, c, c, c] if opts.arch == 1 else [c] * 4
        self.nets: dict[str, nn.Module] = {"generator": self.generator}
        self.discriminators: dict[str, MultiScalePatchGAN] = {}
        for name, channels, off in (
            ("gan", 3, opts.no_gan),
            ("surface", 3, opts.no_surface),
            ("texture", 1, opts.no_texture),
        ):
            if not off:
                disc = MultiScalePatchGAN(channels, opts.disc_channels)
                self.discriminators[name] = disc.to(device)
                self.nets[f"disc_{name}"] = self.discriminators[name]
        self.nce_heads = None if opts.no_nce else losses.PatchNCEHeads(widths).to(device)
        if self.nce_heads is not None:
            self.nets["nce_heads"] = self.nce_heads
        self.keypoints = KeypointHead().to(device)
        self.nets["keypoint_head"] = self.keypoints
        g_params = list(self.generator.parameters())
        if self.nce_heads is not None:
            g_params += list(self.nce_heads.parameters())
        self.optimizers = {"generator": torch.optim.Adam(g_params, opts.lr, betas=(0.5, 0.99))}
        if self.discriminators:
            d_params = [p for d in self.discriminators.values() for p in d.parameters()]
            self.optimizers["discriminator"] = torch.optim.Adam(
                d_params, opts.lr, betas=(0.5, 0.99)
            )
        self.optimizers["keypoint_head"] = torch.optim.Adam(self.keypoints.parameters(), 1e-3)
        for net in self.nets.values():  # NHWC convolutions: about a third faster on CPU
            net.to(memory_format=torch.channels_last)
        self.step = 0
        self.seconds = 0.0  # training time over all runs, resumed ones included
        self.commands: list[str] = []  # every run's command line, the first one first

    # ---- one step -----------------------------------------------------------------------

    def train_step(self, source: data.SourceSet, style: torch.Tensor) -> dict[str, float]:
        o, dev = self.opts, self.device
        x, picks = data.random_crops(source.inputs, o.batch, o.size, self.rng)
        y, _ = data.random_crops(style, o.batch, o.size, self.rng)
        x, y = (t.to(dev).contiguous(memory_format=torch.channels_last) for t in (x, y))
        has_pose = source.has_pose[picks].to(dev)
        gt_heatmaps = data.heatmap_targets(x)
        if o.no_skeleton:
            x = data.drop_skeleton(x)
        record: dict[str, float] = {}

        # keypoint head: learns on the source colors, where the bundles give ground truth
        if has_pose.sum() > 0:
            alpha = x[:, inputs.ALPHA]
            pred = self.keypoints(keypoint_head.augment(x[:, :3], alpha))
            k_loss = heatmap_loss(pred, gt_heatmaps, has_pose)
            self.optimizers["keypoint_head"].zero_grad(set_to_none=True)
            k_loss.backward()
            self.optimizers["keypoint_head"].step()
            record["keypoint_head"] = k_loss.item()

        fake, features = self.generator(x, return_features=True)

        if self.discriminators:
            d_total = torch.zeros((), device=dev)
            for name, disc in self.discriminators.items():
                view = _VIEWS[name]
                real = disc(losses.diff_augment(view(y)))
                fake_logits = disc(losses.diff_augment(view(fake.detach())))
                d_loss = losses.d_hinge(real, fake_logits)
                record[f"d_{name}"] = d_loss.item()
                d_total = d_total + d_loss
            self.optimizers["discriminator"].zero_grad(set_to_none=True)
            d_total.backward()
            self.optimizers["discriminator"].step()

        terms: dict[str, torch.Tensor] = {}
        for name, disc in self.discriminators.items():
            for p in disc.parameters():
                p.requires_grad_(False)
            terms[name] = losses.g_hinge(disc(losses.diff_augment(_VIEWS[name](fake))))
            for p in disc.parameters():
                p.requires_grad_(True)
        if not o.no_palette:
            terms["palette"] = losses.palette_loss(fake, y)
        if self.nce_heads is not None:
            # Encode the output with the same network, its conditioning unchanged.
            _, out_features = self.generator(torch.cat([fake, x[:, 3:]], 1), return_features=True)
            terms["nce"] = losses.patch_nce(self.nce_heads, features, out_features)
        if not o.no_edge:
            terms["edge"] = losses.edge_loss(x, fake)
        if not o.no_pose and has_pose.sum() > 0:
            # Frozen head: the term moves the generator only.
            for p in self.keypoints.parameters():
                p.requires_grad_(False)
            ramp = min(1.0, self.step / 200)  # the head needs a few steps before it judges
            terms["pose"] = ramp * heatmap_loss(self.keypoints(fake), gt_heatmaps, has_pose)
            for p in self.keypoints.parameters():
                p.requires_grad_(True)
        if terms:
            weights = {**WEIGHTS, "palette": o.palette_weight, "pose": o.pose_weight}
            g_total = sum(weights[k] * v for k, v in terms.items())
            self.optimizers["generator"].zero_grad(set_to_none=True)
            g_total.backward()
            self.optimizers["generator"].step()
            record["g_total"] = g_total.item()
            record.update({f"g_{k}": v.item() for k, v in terms.items()})
        self.step += 1
        self.last_batch = (x.detach(), fake.detach(), y.detach())
        return record

    # ---- checkpoints --------------------------------------------------------------------

    def save_checkpoint(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        tensors: dict[str, torch.Tensor] = {}
        for name, net in self.nets.items():
            for key, value in net.state_dict().items():
                tensors[f"{name}.{key}"] = value.detach().cpu().contiguous()
        groups = {}
        for name, opt in self.optimizers.items():
            state = opt.state_dict()
            groups[name] = state["param_groups"]
            for index, entry in state["state"].items():
                for key, value in entry.items():
                    value = value if torch.is_tensor(value) else torch.tensor(value)
                    tensors[f"optim.{name}.{index}.{key}"] = value.detach().cpu().contiguous()
        path = folder / "checkpoint.safetensors"
        tmp = path.with_suffix(".tmp")
        save_file(tensors, str(tmp))
        os.replace(tmp, path)
        meta = {
            "step": self.step,
            "seconds": self.seconds,
            "commands": self.commands,
            "options": asdict(self.opts),
            "param_groups": groups,
        }
        (folder / "checkpoint.json").write_text(json.dumps(meta, indent=1))
        return path

    def load_checkpoint(self, folder: Path) -> None:
        path = folder / "checkpoint.safetensors"
        try:
            meta = json.loads((folder / "checkpoint.json").read_text())
            tensors = load_file(str(path))
        except (OSError, ValueError, SafetensorError) as exc:
            raise data.DataError(f"{folder}: no usable checkpoint to resume ({exc})") from None
        for name, net in self.nets.items():
            prefix = f"{name}."
            state = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
            try:
                net.load_state_dict(state)
            except RuntimeError as exc:
                first = str(exc).splitlines()[0]
                raise data.DataError(f"{path}: {name} does not match ({first})") from None
        for name, opt in self.optimizers.items():
            prefix = f"optim.{name}."
            state: dict[int, dict] = {}
            for key, value in tensors.items():
                if key.startswith(prefix):
                    index, field = key[len(prefix) :].split(".", 1)
                    state.setdefault(int(index), {})[field] = value.to(self.device)
            for entry in state.values():
                if "step" in entry:
                    entry["step"] = entry["step"].cpu()
            groups = meta["param_groups"].get(name)
            if groups is not None:
                opt.load_state_dict({"state": state, "param_groups": groups})
        self.step = int(meta["step"])
        self.seconds = float(meta.get("seconds", 0.0))
        self.commands = list(meta.get("commands", []))


def _build_generator(opts: TrainOptions) -> nn.Module:
    sizes = {"channels": opts.generator_channels, "blocks": opts.generator_blocks}
    sizes = {k: v for k, v in sizes.items() if v}  # 0: the architecture's default
    if opts.arch == 2:
        return build_generator_v2(GeneratorV2Config(**sizes), seed=opts.seed)
    if opts.arch == 1:
        return build_generator(GeneratorConfig(**sizes), seed=opts.seed)
    raise data.DataError(f"--arch {opts.arch}: 1 or 2")


def _rgb(t: torch.Tensor) -> torch.Tensor:
    return t[:, :3]


_VIEWS = {"gan": _rgb, "surface": losses.surface_view, "texture": losses.texture_view}


def write_preview(path: Path, batch: tuple[torch.Tensor, torch.Tensor, torch.Tensor]) -> None:
    """Rows of input color | output | a style frame, as an 8-bit PNG."""
    x, fake, y = batch
    rows = [torch.cat([x[i, :3], fake[i], y[i]], 2) for i in range(min(4, len(x)))]
    grid = torch.cat(rows, 1).clamp(-1, 1).add(1).mul(127.5).round().byte()
    image = grid.permute(1, 2, 0).cpu().numpy()
    cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))


def _eta(seconds: float) -> str:
    seconds = int(max(0, seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def train(opts: TrainOptions, command: str = "") -> int:
    """Run (or resume) training; returns the exit status."""
    try:
        device = resolve_device(opts.device)
    except ValueError as exc:
        print(f"error: --device: {exc}", file=sys.stderr)
        return EXIT_DATA
    if opts.size % 4 or opts.size < 16:
        print(f"error: --size {opts.size}: must be a multiple of 4, at least 16", file=sys.stderr)
        return EXIT_DATA
    if device.type == "cpu":
        torch.set_num_threads(opts.threads or max(1, os.cpu_count() or 1))
    try:
        style = data.load_style_frames(opts.style_frames)
        if opts.layouts:
            source = data.load_layouts(opts.layouts)
        else:
            source = data.load_source_frames(opts.source_frames)
        trainer = Trainer(opts, device)
        folder = opts.checkpoint_dir
        if opts.resume:
            trainer.load_checkpoint(folder)
    except data.DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_DATA
    folder.mkdir(parents=True, exist_ok=True)
    trainer.commands.append(command)
    interrupted = False

    def on_sigint(signum, frame):  # finish the step, then save and leave
        nonlocal interrupted
        interrupted = True

    previous = signal.signal(signal.SIGINT, on_sigint)
    csv_path = folder / "losses.csv"
    log = csv_path.open("a", newline="")
    writer = None
    start, first_step = time.perf_counter(), trainer.step
    last_print, record = 0.0, {}
    try:
        while trainer.step < opts.steps and not interrupted:
            tick = time.perf_counter()
            record = trainer.train_step(source, style)
            trainer.seconds += time.perf_counter() - tick
            if writer is None:
                writer = csv.DictWriter(log, ["step", *sorted(record)], extrasaction="ignore")
                if csv_path.stat().st_size == 0:
                    writer.writeheader()
            writer.writerow({"step": trainer.step, **record})
            now = time.perf_counter()
            if now - last_print > 2 or trainer.step == opts.steps:
                last_print = now
                rate = (trainer.step - first_step) / (now - start)
                text = " ".join(f"{k} {v:.3f}" for k, v in sorted(record.items()))
                print(
                    f"step {trainer.step}/{opts.steps} {text} | {rate:.2f} steps/s | ETA "
                    f"{_eta((opts.steps - trainer.step) / max(rate, 1e-9))}",
                    file=sys.stderr,
                    flush=True,
                )
            if opts.checkpoint_every and trainer.step % opts.checkpoint_every == 0:
                trainer.save_checkpoint(folder)
                write_preview(folder / "preview.png", trainer.last_batch)
    finally:
        signal.signal(signal.SIGINT, previous)
        log.close()
    seconds = time.perf_counter() - start
    trainer.save_checkpoint(folder)
    if hasattr(trainer, "last_batch"):
        write_preview(folder / "preview.png", trainer.last_batch)
    meta = _metadata(opts, trainer, record, seconds, command)
    meta["metrics"] = train_metrics.evaluate(
        trainer.generator, trainer.keypoints, source.inputs, source.has_pose, style, opts.size
    )
    print(f"metrics: {json.dumps(meta['metrics'])}", file=sys.stderr)
    pack = save_pack(opts.out, trainer.generator.cpu(), meta)
    print(f"wrote {pack} ({trainer.step} steps, {seconds:.1f} s)", file=sys.stderr)
    return EXIT_INTERRUPTED if interrupted else 0


def _metadata(
    opts: TrainOptions, trainer: Trainer, record: dict, seconds: float, command: str
) -> dict:
    name = opts.name or Path(opts.out).stem
    meta = base_metadata(name, opts.series or name, trainer.generator.config)
    meta["training"] = {
        "resolution": opts.size,
        "steps": trainer.step,
        "seconds": round(trainer.seconds, 1),
        "seconds_this_run": round(seconds, 1),
        "data": {
            "style_frames": str(Path(opts.style_frames).resolve()),
            "source": str(Path(opts.layouts or opts.source_frames).resolve()),
            "source_kind": "layouts" if opts.layouts else "frames",
        },
        "terms": TERMS,
        "final_losses": {k: round(v, 5) for k, v in record.items()},
        "options": asdict(opts),
        "command": command,
        "commands": trainer.commands,
        "notes": opts.notes,
    }
    if opts.layouts:
        meta["training"]["data"]["source_look"] = data.layouts_look(opts.layouts)
    meta["initialized_only"] = False
    return meta


def parse_args(argv: list[str]) -> TrainOptions:
    parser = argparse.ArgumentParser(prog="python -m mmd2anime.neural.train", description=__doc__)
    parser.add_argument("--style-frames", required=True, help="folder of PNG/JPG style frames")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--layouts", help="folder of *_bundle.npz layout bundles")
    source.add_argument("--source-frames", help="folder of plain frames (anime2anime)")
    parser.add_argument("--out", required=True, help="the style pack to write (.safetensors)")
    defaults = TrainOptions(style_frames="", out="")
    for f in fields(TrainOptions):
        if f.name in ("style_frames", "out", "layouts", "source_frames"):
            continue
        flag = "--" + f.name.replace("_", "-")
        default = getattr(defaults, f.name)
        if isinstance(default, bool):
            parser.add_argument(flag, action="store_true")
        else:
            kind = str if default is None else type(default)
            parser.add_argument(flag, type=kind, default=default)
    return TrainOptions(**vars(parser.parse_args(argv)))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    opts = parse_args(argv)
    command = shlex.join([sys.executable, "-m", "mmd2anime.neural.train", *argv])
    return train(opts, command)


if __name__ == "__main__":
    sys.exit(main())
