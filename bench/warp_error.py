# SPDX-License-Identifier: GPL-3.0-or-later
"""Temporal stability: Lai et al. 2018 warping error with and without motion blending.

    .venv/bin/python bench/warp_error.py [--pack PACK] [--size 256x192] [--frames 12]

A synthetic slow pan (textured plane, constant depth, exact motion vectors) goes through
the Stylizer twice, once per frame alone and once with temporal blending; the script
prints both errors and their ratio (target <= 0.5). The untrained pack's generator is close
to the identity, so its raw warping error is small; the ratio is what carries over.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load_checkout() -> None:
    spec = importlib.util.spec_from_file_location(
        "mmd2anime", HERE.parent / "__init__.py", submodule_search_locations=[str(HERE.parent)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["mmd2anime"] = module
    spec.loader.exec_module(module)


def main() -> None:
    _load_checkout()
    import numpy as np

    from mmd2anime.neural import temporal
    from mmd2anime.neural.stylize import Stylizer
    from mmd2anime.neural.synthetic import pan_sequence

    parser = argparse.ArgumentParser()
    parser.add_argument("--pack", default=str(HERE.parent / "neural/packs/initialized.safetensors"))
    parser.add_argument("--size", default="256x192")
    parser.add_argument("--frames", type=int, default=12)
    parser.add_argument("--shift", type=int, default=2, help="pan speed, px per frame")
    args = parser.parse_args()
    width, height = map(int, args.size.split("x"))
    bundles = pan_sequence(width, height, args.frames, args.shift)
    stylizer = Stylizer(args.pack, device="cpu")
    raw = stylizer(bundles, temporal_blend=False)
    blended = temporal.stabilize(raw, bundles, stylizer.temporal_strength)
    inputs = temporal.warping_error([b.color for b in bundles], bundles)
    before = temporal.warping_error(raw, bundles)
    after = temporal.warping_error(blended, bundles)
    print(f"pan {width}x{height}, {args.frames} frames, {args.shift} px/frame, "
          f"strength {stylizer.temporal_strength}")  # fmt: skip
    print(f"warping error of the input colors (exactness check): {inputs:.3e}")
    print(f"warping error without temporal blending: {before:.3e}")
    print(f"warping error with temporal blending:    {after:.3e}")
    print(f"ratio with/without: {after / before:.3f} (target <= 0.5)")
    # A trained style flickers far more than the near-identity untrained pack: simulate it.
    rng = np.random.default_rng(0)
    noisy = [o + rng.normal(0, 0.05, o.shape).astype(np.float32) for o in raw]
    before = temporal.warping_error(noisy, bundles)
    after = temporal.warping_error(temporal.stabilize(noisy, bundles), bundles)
    print(f"with simulated flicker (noise sigma 0.05 per frame): {before:.3e} -> {after:.3e}, "
          f"ratio {after / before:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
