# SPDX-License-Identifier: GPL-3.0-or-later
"""A generator v2 with random weights everywhere, for tests: the identity start paints the
layout back and ignores most of its inputs, so it would prove little."""

import torch

from mmd2anime.neural.model_v2 import GeneratorV2Config, build_generator_v2


def random_generator_v2(config: GeneratorV2Config, seed: int = 3) -> torch.nn.Module:
    model = build_generator_v2(config, seed=seed)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=generator) * 0.05)
    return model.eval()
