# SPDX-License-Identifier: GPL-3.0-or-later
"""Inference: FrameBundles or plain frames in, stylized linear RGB frames out.

``python -m mmd2anime.neural.stylize --style PACK (--bundle DIR_OR_NPZ | --input
DIR_OR_IMAGE) --out DIR [--device auto|cuda|mps|cpu] [--tile N]`` writes one sRGB 8-bit PNG
per frame. Frames above a pixel budget are cut into overlapping tiles blended with feathered
weights, so a 4K frame runs in bounded memory.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..bundle import FrameBundle
from . import inputs, temporal
from .pack import StylePackError, load_pack

PIXEL_BUDGET = 1024 * 1024  # above this, a frame is tiled
# CUDA: a whole 4K frame in one fp16 pass (v2 holds ~70 channels per pixel: ~1.2 GB at 4K)
CUDA_PIXEL_BUDGET = 4096 * 2160
DEFAULT_TILE = 512
# CPU: batches of small frames only; four 512² frames in one pass ran 1.5-2x slower per
# frame than one at a time (2 cores: page faults on ~100 MB tensors, no parallelism gained)
CPU_BATCH_PIXELS = 512 * 512
# CPU: v2's full-resolution stage in strips of this many pixels (32 rows at 1024 wide),
# which keeps its tensors in the allocator's reused memory: the CLI's page faults fell
# from ~70k to ~15k per 512² frame (with the batching above, 0.32 -> 0.19 s end to end)
CPU_STRIP_PIXELS = 32768
TILE_OVERLAP = 64  # about twice the generator's receptive radius
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".exr")


def resolve_device(name: str = "auto") -> torch.device:
    """``auto``: CUDA, then MPS, then CPU. Asking for an absent device raises ValueError."""
    cuda = torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if name == "auto":
        name = "cuda" if cuda else "mps" if mps else "cpu"
    if name not in ("cuda", "mps", "cpu"):
        raise ValueError(f"unknown device {name!r} (auto, cuda, mps or cpu)")
    if (name == "cuda" and not cuda) or (name == "mps" and not mps):
        raise ValueError(f"device {name!r} is not available here")
    return torch.device(name)


class Stylizer:
    """Load a style pack once; call with bundles or linear RGB arrays (H x W x 3)."""

    def __init__(
        self,
        pack: str | Path,
        device: str = "auto",
        tile: int | None = None,
        batch_size: int = 4,
        temporal_strength: float = temporal.DEFAULT_STRENGTH,
        threads: int | None = None,
    ):
        self.device = resolve_device(device)
        if self.device.type == "cpu":
            # By default leave a core to Blender's UI and the OS; the command line takes all.
            torch.set_num_threads(threads or max(1, (os.cpu_count() or 2) - 1))
        self.model, self.meta = load_pack(pack, self.device)
        # packs made for the albedo pass take it as 4 more input channels, packs made for
        # the edges pass those and 2 more, packs made for the key light those and 2 more
        groups = inputs.input_groups(self.model.config.in_channels)
        self.albedo, self.edges, self.light = groups
        self.half = self.device.type == "cuda"
        self.pixel_budget = CUDA_PIXEL_BUDGET if self.half else PIXEL_BUDGET
        self.batch_pixels = self.pixel_budget if self.half else CPU_BATCH_PIXELS
        if self.half:
            self.model = self.model.half()
        # channels_last speeds up v1's depthwise convolutions on CPU and tensor cores on
        # CUDA; v2's full-resolution work is per-pixel arithmetic on channel slices, which
        # runs 1.6-2x faster in the plain layout on CPU (512², 2 threads: 0.10 s vs 0.17 s)
        self.memory_format = (
            torch.contiguous_format
            if self.device.type == "cpu" and self.meta["arch_version"] == 2
            else torch.channels_last
        )
        self.model = self.model.to(memory_format=self.memory_format)
        if self.device.type == "cpu" and self.meta["arch_version"] == 2:
            self.model.strip_pixels = CPU_STRIP_PIXELS
        self.tile = tile
        self.batch_size = max(1, batch_size)
        self.temporal_strength = temporal_strength

    def __call__(
        self,
        frames: Sequence[FrameBundle | np.ndarray],
        temporal_blend: bool = True,
        previous: tuple[FrameBundle, np.ndarray] | None = None,
        built: Sequence[np.ndarray | None] | None = None,
    ) -> list[np.ndarray]:
        """Stylized H x W x 3 linear float32 frames, in order. Consecutive bundles with
        ``motion_prev`` are blended with their warped predecessor unless ``temporal_blend``
        is False; ``previous`` (the bundle and stylized output before ``frames[0]``) carries
        the blending across calls. ``built`` may hold each frame's
        :func:`inputs.build_inputs` made ahead (e.g. on a reader thread). Raises ValueError
        for a malformed bundle or array."""
        bundles = [f if isinstance(f, FrameBundle) else inputs.image_bundle(f) for f in frames]
        self._built = list(built) if built is not None else [None] * len(bundles)
        for i, bundle in enumerate(bundles):
            try:
                bundle.validate()
            except ValueError as exc:
                raise ValueError(f"frame {i}: {exc}") from None
        outputs: list[np.ndarray | None] = [None] * len(bundles)
        batch: list[int] = []
        for i, bundle in enumerate(bundles):
            if self._needs_tiles(bundle):
                outputs[i] = self._tiled(bundle)
                continue
            size = (bundle.width, bundle.height)
            if batch and (bundles[batch[0]].width, bundles[batch[0]].height) != size:
                self._run_batch(bundles, batch, outputs)
            batch.append(i)
            # Batches stay within the pixel budget, like tiles.
            limit = min(self.batch_size, max(1, self.batch_pixels // (size[0] * size[1])))
            if len(batch) >= limit:
                self._run_batch(bundles, batch, outputs)
        self._run_batch(bundles, batch, outputs)
        if temporal_blend and self.temporal_strength > 0:
            if previous is not None:
                head_bundle, head_output = previous
                joined = temporal.stabilize(
                    [head_output, *outputs], [head_bundle, *bundles], self.temporal_strength
                )
                return joined[1:]
            return temporal.stabilize(outputs, bundles, self.temporal_strength)
        return outputs

    def build_inputs(
        self,
        bundle: FrameBundle,
        region: tuple[int, int, int, int] | None = None,
        depth_ref: float | None = None,
    ) -> np.ndarray:
        """:func:`inputs.build_inputs` in the layout this pack takes."""
        return inputs.build_inputs(bundle, region, depth_ref, self.albedo, self.edges, self.light)

    def _needs_tiles(self, bundle: FrameBundle) -> bool:
        tile = self.tile or DEFAULT_TILE
        if self.tile is not None:
            return bundle.width > tile or bundle.height > tile
        return bundle.width * bundle.height > self.pixel_budget

    def _run_batch(self, bundles: list[FrameBundle], batch: list[int], outputs: list) -> None:
        if not batch:
            return
        made = [self._built[i] for i in batch]
        x = np.stack([m if m is not None else self.build_inputs(bundles[i])
                      for m, i in zip(made, batch, strict=True)])  # fmt: skip
        for i, out in zip(batch, self._forward(x), strict=True):
            outputs[i] = out
        batch.clear()

    @torch.inference_mode()
    def _forward(self, x: np.ndarray, frame_height: int | None = None) -> np.ndarray:
        """(B, C, h, w) inputs -> (B, h, w, 3) linear RGB; pads to multiples of 4.
        ``frame_height``: the whole frame's height when ``x`` is a tile of it (packs that
        draw lines to the frame's scale read it); default ``h``."""
        h, w = x.shape[-2:]
        t = torch.from_numpy(x).to(self.device)
        t = t.half() if self.half else t
        pad_h, pad_w = -h % 4, -w % 4
        if pad_h or pad_w:
            t = F.pad(t, (0, pad_w, 0, pad_h), mode="replicate")
        t = t.contiguous(memory_format=self.memory_format)
        scale = {}
        if getattr(self.model.config, "line_scale", False):
            scale["frame_height"] = torch.full((t.shape[0],), float(frame_height or h))
        y = self.model(t, **scale)[..., :h, :w].float().add_(1).mul_(0.5)
        # channels last in torch: numpy on the strided view read 4x slower
        y = y.permute(0, 2, 3, 1).contiguous().cpu().numpy()
        return srgb_to_linear_fast(y)

    def _tiled(self, bundle: FrameBundle) -> np.ndarray:
        tile = self.tile or DEFAULT_TILE
        overlap = min(TILE_OVERLAP, tile // 4)
        ref = inputs.depth_reference(bundle)
        acc = np.zeros((bundle.height, bundle.width, 3), np.float32)
        weight = np.zeros((bundle.height, bundle.width, 1), np.float32)
        for y0 in _tile_starts(bundle.height, tile, overlap):
            for x0 in _tile_starts(bundle.width, tile, overlap):
                y1, x1 = min(y0 + tile, bundle.height), min(x0 + tile, bundle.width)
                x = self.build_inputs(bundle, (x0, y0, x1, y1), depth_ref=ref)[None]
                out = self._forward(x, frame_height=bundle.height)[0]
                wy = _feather(y1 - y0, overlap, y0 > 0, y1 < bundle.height)
                wx = _feather(x1 - x0, overlap, x0 > 0, x1 < bundle.width)
                wt = (wy[:, None] * wx[None, :])[..., None]
                acc[y0:y1, x0:x1] += out * wt
                weight[y0:y1, x0:x1] += wt
        return acc / np.maximum(weight, 1e-8)


def _tile_starts(size: int, tile: int, overlap: int) -> list[int]:
    if size <= tile:
        return [0]
    step = tile - overlap
    starts = list(range(0, size - tile, step))
    return starts + [size - tile]


def _feather(length: int, overlap: int, ramp_start: bool, ramp_end: bool) -> np.ndarray:
    """1 inside, a linear ramp over ``overlap`` pixels on sides shared with another tile.
    Ramps never reach 0 so every pixel keeps some weight."""
    w = np.ones(length, np.float32)
    ramp = (np.arange(overlap, dtype=np.float32) + 0.5) / overlap
    n = min(overlap, length)
    if ramp_start:
        w[:n] = np.minimum(w[:n], ramp[:n])
    if ramp_end:
        w[length - n :] = np.minimum(w[length - n :], ramp[:n][::-1])
    return w


def load_image(path: str | Path) -> np.ndarray:
    """A picture file as H x W x 3 linear float32 (8/16-bit sRGB or linear EXR)."""
    import cv2

    path = Path(path)
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED | cv2.IMREAD_ANYDEPTH)
    if image is None:
        raise ValueError(f"{path}: not a readable image")
    if image.ndim == 2:
        image = image[..., None].repeat(3, axis=-1)
    image = image[..., :3][..., ::-1]  # BGR(A) -> RGB
    if image.dtype == np.uint8:
        return inputs.srgb_to_linear(image / 255.0).astype(np.float32)
    if image.dtype == np.uint16:
        return inputs.srgb_to_linear(image / 65535.0).astype(np.float32)
    return np.ascontiguousarray(image, np.float32)  # float files (EXR) are linear already


def write_png(path: str | Path, linear: np.ndarray) -> Path:
    """Write linear RGB as an sRGB 8-bit PNG."""
    import cv2

    path = Path(path)
    # (OpenCV's default PNG settings beat explicit levels 1 and 3 on a 512² look frame here)
    if not cv2.imwrite(str(path), np.ascontiguousarray(linear_to_srgb8_fast(linear)[..., ::-1])):
        raise OSError(f"{path}: could not write PNG")
    return path


# sRGB transfer by table on 16-bit codes (inputs.codes16): one lookup instead of a power
_CODES = np.arange(65536, dtype=np.float64) / 65535
_SRGB16_TO_LINEAR = inputs.srgb_to_linear(_CODES).astype(np.float32)
_LINEAR16_TO_SRGB8 = np.round(inputs.linear_to_srgb(_CODES) * 255).astype(np.uint8)


def srgb_to_linear_fast(srgb: np.ndarray) -> np.ndarray:
    """sRGB [0, 1] -> linear float32 through the 16-bit table."""
    return _SRGB16_TO_LINEAR[inputs.codes16(srgb)]


def linear_to_srgb8_fast(linear: np.ndarray) -> np.ndarray:
    """Linear -> sRGB 8-bit through the 16-bit table."""
    return _LINEAR16_TO_SRGB8[inputs.codes16(linear)]


def _collect(path: Path, bundles: bool) -> list[Path]:
    if not path.exists():
        raise ValueError(f"{path}: no such file or folder")
    if path.is_file():
        return [path]
    pattern = ("*.npz",) if bundles else tuple(f"*{s}" for s in IMAGE_SUFFIXES)
    found = sorted(p for pat in pattern for p in path.glob(pat))
    if not found:
        kind = "FrameBundle .npz files" if bundles else "images"
        raise ValueError(f"{path}: holds no {kind}")
    return found


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, no usage dump
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m mmd2anime.neural.stylize", description=__doc__.split("\n")[0])
    p.add_argument("--style", required=True, help="style pack (.safetensors)")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--bundle", help="FrameBundle .npz or a folder of them")
    source.add_argument("--input", help="an image or a folder of images (anime2anime)")
    p.add_argument("--out", required=True, help="output folder for PNGs")
    p.add_argument("--device", default="auto", choices=("auto", "cuda", "mps", "cpu"))
    p.add_argument("--tile", type=int, default=None, help="tile size in pixels (default: auto)")
    p.add_argument("--batch", type=int, default=4, help="frames per forward pass")
    p.add_argument("--no-temporal", action="store_true", help="no motion-vector blending")
    return p


def _bundle_frame(path: Path) -> tuple[int, str]:
    """A bundle's frame number from its small JSON (the npz is read later, ahead of use)."""
    try:
        return int(json.loads(path.with_suffix(".json").read_text()).get("frame", 0)), path.name
    except (OSError, ValueError, TypeError, AttributeError):
        return 0, path.name  # FrameBundle.load names the problem when the frame is read


def unread_fields(temporal_blend: bool) -> tuple[str, ...]:
    """Bundle fields stylizing never reads: the network reads neither motion field nor the
    hair mask; the temporal blending reads motion_prev."""
    return ("motion_next", "hair") + (() if temporal_blend else ("motion_prev",))


def _read_bundle(
    stylizer: Stylizer, path: Path, temporal_blend: bool
) -> tuple[FrameBundle, np.ndarray | None]:
    bundle = FrameBundle.load(path, skip=unread_fields(temporal_blend))
    return bundle, stylizer.build_inputs(bundle)


def _read_image(stylizer: Stylizer, path: Path, temporal_blend: bool) -> tuple[np.ndarray, None]:
    return load_image(path), None


def run_cli(stylizer: Stylizer, paths: list[Path], bundles: bool, out_dir: Path,
            temporal_blend: bool) -> list[Path]:  # fmt: skip
    """Stylize ``paths`` in chunks of the batch size: a reader thread loads the next chunk
    (and builds its inputs) and a writer thread writes the last one while the network
    runs, so file work hides behind it. Temporal blending carries across chunks."""
    read = _read_bundle if bundles else _read_image
    chunks = [paths[i : i + stylizer.batch_size] for i in range(0, len(paths), stylizer.batch_size)]
    written: list[Path] = []
    previous = None

    def read_chunk(chunk: list[Path]) -> list:
        return [read(stylizer, p, temporal_blend) for p in chunk]

    with ThreadPoolExecutor(1) as reader, ThreadPoolExecutor(1) as writer:
        ahead = reader.submit(read_chunk, chunks[0])
        writes = []
        for index, chunk in enumerate(chunks):
            loaded = ahead.result()
            if index + 1 < len(chunks):
                ahead = reader.submit(read_chunk, chunks[index + 1])
            frames = [frame for frame, _ in loaded]
            images = stylizer(frames, temporal_blend, previous, [b for _, b in loaded])
            if bundles:
                previous = (frames[-1], images[-1])
            for path, image in zip(chunk, images, strict=True):
                writes.append(writer.submit(write_png, out_dir / f"{path.stem}.png", image))
        written = [w.result() for w in writes]
    return written


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.tile is not None and args.tile < 16:
        print("error: --tile must be at least 16 pixels", file=sys.stderr)
        return 2
    try:
        # the command line has the machine to itself: every core
        stylizer = Stylizer(args.style, args.device, args.tile, args.batch, threads=os.cpu_count())
        if args.bundle:
            paths = sorted(_collect(Path(args.bundle), True), key=_bundle_frame)
        else:
            paths = _collect(Path(args.input), bundles=False)
        out_dir = Path(args.out)
        out_dir.mkdir(parents=True, exist_ok=True)
        for path in run_cli(stylizer, paths, bool(args.bundle), out_dir, not args.no_temporal):
            print(path)
    except (StylePackError, ValueError, OSError, RuntimeError) as exc:
        print(f"error: {exc}".splitlines()[0], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
