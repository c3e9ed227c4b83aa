# SPDX-License-Identifier: GPL-3.0-or-later
"""Style packs: one ``.safetensors`` file per style, weights + JSON metadata.

The metadata is one JSON document under the key ``mmd2anime`` of the safetensors header's
``__metadata__`` (which only holds strings). Loading validates the header by hand before
safetensors touches the tensors, so every failure names the file and what is wrong, and
nothing is ever unpickled.

``python -m mmd2anime.neural.pack init OUT`` writes the seed-initialized pack.
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from . import inputs
from .model import ARCH_VERSION, GENERATOR_ARCH, Generator, GeneratorConfig, build_generator
from .model_v2 import ARCH_VERSION_V2, GeneratorV2, GeneratorV2Config

# arch_version -> (config class, network class); a pack names its version, loading dispatches
ARCHITECTURES: dict[int, tuple[type, type]] = {
    ARCH_VERSION: (GeneratorConfig, Generator),
    ARCH_VERSION_V2: (GeneratorV2Config, GeneratorV2),
}
NEWEST_VERSION = max(ARCHITECTURES)

META_KEY = "mmd2anime"
REQUIRED_KEYS = (
    "name",
    "series",
    "architecture",
    "arch_version",
    "config",
    "inputs",
    "training",
    "metrics",
    "initialized_only",
)
INIT_SEED = 20260101
_MAX_HEADER = 100 * 1024 * 1024  # safetensors' own limit on the JSON header


class StylePackError(ValueError):
    """A style pack that cannot be used; the message names the file and the problem."""

    def __init__(self, path: str | Path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = Path(path)


def input_description(in_channels: int = inputs.IN_CHANNELS) -> dict:
    """The input contract a pack of ``in_channels`` was trained for (checked on load)."""
    albedo, edges, light = inputs.input_groups(in_channels)
    return {
        "channels": list(inputs.LAYOUTS[in_channels]),
        "count": in_channels,
        "normalization": inputs.NORMALIZATION
        | (inputs.ALBEDO_NORMALIZATION if albedo else {})
        | (inputs.EDGES_NORMALIZATION if edges else {})
        | (inputs.LIGHT_NORMALIZATION if light else {}),
    }


def arch_version_of(model_or_config: object) -> int:
    """The architecture version of a generator or its config."""
    config = getattr(model_or_config, "config", model_or_config)
    for version, (config_class, _) in ARCHITECTURES.items():
        if isinstance(config, config_class):
            return version
    raise TypeError(f"not a generator or generator config: {type(model_or_config).__name__}")


def base_metadata(name: str, series: str, config: GeneratorConfig | GeneratorV2Config) -> dict:
    return {
        "name": name,
        "series": series,
        "architecture": GENERATOR_ARCH,
        "arch_version": arch_version_of(config),
        "config": config.to_dict(),
        "inputs": input_description(config.in_channels),
        "training": {"resolution": None, "steps": 0, "data": [], "terms": ""},
        "metrics": {},
        "initialized_only": True,
    }


def save_pack(path: str | Path, model: nn.Module, meta: dict) -> Path:
    """Write ``model`` and ``meta`` (completed with architecture, config and inputs)."""
    path = Path(path)
    meta = {
        **meta,
        "architecture": GENERATOR_ARCH,
        "arch_version": arch_version_of(model),
        "config": model.config.to_dict(),
        "inputs": input_description(model.config.in_channels),
    }
    missing = [k for k in REQUIRED_KEYS if k not in meta]
    if missing:
        raise StylePackError(path, f"metadata lacks {', '.join(missing)}")
    tensors = {
        k: v.detach().to("cpu", torch.float32).contiguous() for k, v in model.state_dict().items()
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata={META_KEY: json.dumps(meta, sort_keys=True)})
    return path


def read_metadata(path: str | Path) -> dict:
    """The pack's validated metadata, read from the header alone (no tensors loaded)."""
    path = Path(path)
    header = _read_header(path)
    raw = (header.get("__metadata__") or {}).get(META_KEY)
    if not isinstance(raw, str):
        raise StylePackError(path, f"no '{META_KEY}' metadata: not an mmd2anime style pack")
    try:
        meta = json.loads(raw)
    except ValueError as exc:
        raise StylePackError(path, f"metadata is not valid JSON ({exc})") from None
    _validate_metadata(path, meta)
    return meta


def load_pack(path: str | Path, device: str | torch.device = "cpu") -> tuple[nn.Module, dict]:
    """The generator (eval mode, on ``device``) and metadata of the pack at ``path``: a v1
    :class:`Generator` or a v2 :class:`GeneratorV2`, as its ``arch_version`` says."""
    path = Path(path)
    meta = read_metadata(path)
    config_class, network_class = ARCHITECTURES[meta["arch_version"]]
    try:
        config = config_class.from_dict(meta["config"])
    except (TypeError, ValueError) as exc:
        raise StylePackError(path, f"bad generator config ({exc})") from None
    if inputs.LAYOUTS.get(config.in_channels) != tuple(meta["inputs"]["channels"]):
        raise StylePackError(
            path,
            f"config expects {config.in_channels} input channels, mmd2anime builds "
            f"{' or '.join(map(str, inputs.LAYOUTS))}",
        )
    try:
        tensors = load_file(str(path), device="cpu")
    except (SafetensorError, OSError, ValueError) as exc:
        raise StylePackError(path, f"unreadable tensors ({exc})") from None
    model = network_class(config)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    if missing or extra:
        raise StylePackError(
            path, f"tensors do not match the config: missing {missing[:5]}, unexpected {extra[:5]}"
        )
    for key, tensor in expected.items():
        if tensors[key].shape != tensor.shape:
            raise StylePackError(
                path,
                f"tensor {key} has shape {tuple(tensors[key].shape)}, the config "
                f"needs {tuple(tensor.shape)}",
            )
        if not torch.isfinite(tensors[key]).all():
            raise StylePackError(path, f"tensor {key} holds NaN or infinite values")
    model.load_state_dict({k: v.float() for k, v in tensors.items()})
    return model.eval().to(device), meta


def _read_header(path: Path) -> dict:
    try:
        with path.open("rb") as f:
            size = path.stat().st_size
            head = f.read(8)
            if len(head) < 8:
                raise StylePackError(path, "truncated: shorter than a safetensors header")
            (length,) = struct.unpack("<Q", head)
            if length > min(_MAX_HEADER, size - 8):
                raise StylePackError(
                    path,
                    "not a safetensors file or truncated (header length "
                    f"{length} exceeds the file's {size} bytes)",
                )
            raw = f.read(length)
    except OSError as exc:
        raise StylePackError(path, f"cannot read ({exc.strerror or exc})") from None
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise StylePackError(path, "corrupt safetensors header (not JSON)") from None
    if not isinstance(header, dict):
        raise StylePackError(path, "corrupt safetensors header (not a JSON object)")
    data_size = size - 8 - length
    for key, info in header.items():
        if key == "__metadata__":
            continue
        try:
            end = int(info["data_offsets"][1])
        except (TypeError, KeyError, IndexError, ValueError):
            raise StylePackError(path, f"corrupt safetensors header entry {key!r}") from None
        if end > data_size:
            raise StylePackError(path, f"truncated: tensor {key!r} runs past the end of file")
    return header


def _validate_metadata(path: Path, meta: object) -> None:
    if not isinstance(meta, dict):
        raise StylePackError(path, "metadata is not a JSON object")
    missing = [k for k in REQUIRED_KEYS if k not in meta]
    if missing:
        raise StylePackError(path, f"metadata lacks {', '.join(missing)}")
    if meta["architecture"] != GENERATOR_ARCH:
        raise StylePackError(
            path, f"architecture {meta['architecture']!r} is not {GENERATOR_ARCH!r}"
        )
    version = meta["arch_version"]
    if not isinstance(version, int) or version < 1:
        raise StylePackError(path, f"bad architecture version {version!r}")
    if version > NEWEST_VERSION:
        raise StylePackError(
            path,
            f"architecture version {version} is newer than this mmd2anime supports "
            f"({NEWEST_VERSION}); update the extension",
        )
    if version not in ARCHITECTURES:
        raise StylePackError(path, f"unknown architecture version {version!r}")
    if not isinstance(meta["initialized_only"], bool):
        raise StylePackError(path, "metadata 'initialized_only' must be true or false")
    if not isinstance(meta["config"], dict) or not isinstance(meta["inputs"], dict):
        raise StylePackError(path, "metadata 'config' and 'inputs' must be JSON objects")
    channels = meta["inputs"].get("channels")
    if not isinstance(channels, list) or tuple(channels) not in inputs.LAYOUTS.values():
        raise StylePackError(
            path,
            f"pack was made for other inputs ({len(channels or [])} channels "
            f"{(channels or [])[:4]}...), mmd2anime builds "
            f"{' or '.join(map(str, inputs.LAYOUTS))}",
        )


def initialized_pack(path: str | Path) -> Path:
    """Write the deterministic seed-initialized pack (no training: a placeholder)."""
    config = GeneratorConfig()
    meta = base_metadata("initialized", "none", config)
    meta["training"]["terms"] = "no training data: weights only"
    meta["note"] = (
        f"untrained: weights drawn with torch seed {INIT_SEED}; the default style packs "
        "from the training issue replace this file"
    )
    return save_pack(path, build_generator(config, seed=INIT_SEED), meta)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] != "init":
        print("usage: python -m mmd2anime.neural.pack init OUT.safetensors", file=sys.stderr)
        return 2
    try:
        print(initialized_pack(argv[1]))
    except OSError as exc:
        print(f"error: {argv[1]}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
