# SPDX-License-Identifier: GPL-3.0-or-later
"""The named cast, and random characters drawn from a seed (both deterministic)."""

from __future__ import annotations

import colorsys
import random

from .params import AGES, HAIR_STYLES, HEADS, HEIGHTS, OUTFITS, Body, CharacterParams


def _c(*rgb: float) -> tuple[float, float, float]:
    return tuple(float(v) for v in rgb)


SKINS = (_c(1.0, 0.88, 0.8), _c(0.98, 0.83, 0.72), _c(0.9, 0.72, 0.58), _c(0.72, 0.52, 0.38))
HAIR_COLORS = (_c(0.12, 0.1, 0.14), _c(0.35, 0.22, 0.14), _c(0.85, 0.7, 0.4),
               _c(0.55, 0.2, 0.15), _c(0.95, 0.6, 0.7), _c(0.35, 0.55, 0.85),
               _c(0.2, 0.6, 0.55), _c(0.85, 0.85, 0.9), _c(0.5, 0.35, 0.65))  # fmt: skip


SATURATED_SHARE = 0.35  # of random characters' hair and accent colors, each
TOON_SHARE = 0.6  # of random characters drawing a shared toon (one in eleven of them: none)


def _cast() -> dict[str, CharacterParams]:
    def person(name, body, style, outfit, **colors):
        return CharacterParams(name, body, style, outfit).with_colors(**colors)

    return {p.name: p for p in (
        person("schoolgirl", Body("teen", 18.2, 6.5, 0.3, 0.8), "long", "sailor",
               hair=_c(0.12, 0.11, 0.2), eyes=_c(0.25, 0.3, 0.7), top=_c(0.96, 0.96, 0.98),
               bottom=_c(0.13, 0.17, 0.36), accent=_c(0.85, 0.15, 0.2)),
        person("teacher", Body("adult", 21.8, 7.6, 0.6, -0.8), "short", "blazer_trousers",
               hair=_c(0.3, 0.2, 0.14), eyes=_c(0.35, 0.25, 0.15), top=_c(0.3, 0.32, 0.36),
               bottom=_c(0.26, 0.27, 0.31), accent=_c(0.55, 0.1, 0.15),
               shoes=_c(0.1, 0.08, 0.07)),
        person("child", Body("child", 13.0, 5.0, 0.6, 0.0), "bob", "hoodie",
               hair=_c(0.55, 0.3, 0.15), eyes=_c(0.2, 0.5, 0.3), top=_c(0.98, 0.78, 0.2),
               bottom=_c(0.25, 0.35, 0.6), accent=_c(0.95, 0.95, 0.95),
               legwear=_c(0.95, 0.95, 0.95), shoes=_c(0.85, 0.25, 0.2)),
        person("coat_boy", Body("teen", 19.2, 6.9, 0.45, -0.7), "side_swept", "long_coat",
               hair=_c(0.85, 0.85, 0.9), eyes=_c(0.7, 0.15, 0.2), top=_c(0.16, 0.14, 0.16),
               bottom=_c(0.2, 0.2, 0.24), inner=_c(0.55, 0.12, 0.15),
               accent=_c(0.7, 0.55, 0.25), shoes=_c(0.12, 0.1, 0.1)),
        person("twin_tails", Body("teen", 16.8, 6.0, 0.25, 1.0), "twin_tails", "dress",
               hair=_c(0.3, 0.75, 0.78), eyes=_c(0.2, 0.6, 0.7), top=_c(0.95, 0.55, 0.7),
               accent=_c(0.98, 0.98, 0.98), legwear=_c(0.98, 0.98, 0.98),
               shoes=_c(0.5, 0.15, 0.25)),
        person("office_lady", Body("adult", 20.4, 7.4, 0.35, 0.7), "ponytail", "blazer_skirt",
               hair=_c(0.4, 0.22, 0.14), eyes=_c(0.45, 0.3, 0.2), top=_c(0.18, 0.2, 0.3),
               bottom=_c(0.18, 0.2, 0.3), inner=_c(0.95, 0.95, 0.97),
               accent=_c(0.2, 0.45, 0.75), legwear=_c(0.2, 0.17, 0.17),
               shoes=_c(0.08, 0.07, 0.08)),
        person("sporty_boy", Body("teen", 17.8, 6.6, 0.8, -0.9), "short", "hoodie",
               hair=_c(0.75, 0.25, 0.12), eyes=_c(0.6, 0.4, 0.1), top=_c(0.2, 0.55, 0.45),
               bottom=_c(0.15, 0.15, 0.18), accent=_c(0.95, 0.95, 0.95),
               shoes=_c(0.95, 0.95, 0.95), skin=_c(0.92, 0.74, 0.6)),
        person("class_rep", Body("teen", 17.3, 6.3, 0.2, 0.6), "bob", "blazer_skirt",
               hair=_c(0.2, 0.14, 0.28), eyes=_c(0.4, 0.25, 0.55), top=_c(0.55, 0.12, 0.18),
               bottom=_c(0.3, 0.3, 0.35), accent=_c(0.2, 0.25, 0.55),
               legwear=_c(0.1, 0.1, 0.12)),
        person("little_sister", Body("child", 14.2, 5.4, 0.4, 0.5), "ponytail", "sailor",
               hair=_c(0.95, 0.75, 0.45), eyes=_c(0.25, 0.55, 0.85), top=_c(0.98, 0.98, 1.0),
               bottom=_c(0.35, 0.6, 0.85), accent=_c(0.98, 0.8, 0.2),
               legwear=_c(0.98, 0.98, 0.98)),
        person("senpai", Body("adult", 20.6, 7.9, 0.3, 0.6), "long", "long_coat",
               hair=_c(0.1, 0.1, 0.12), eyes=_c(0.55, 0.2, 0.5), top=_c(0.78, 0.7, 0.55),
               bottom=_c(0.12, 0.12, 0.16), inner=_c(0.95, 0.95, 0.95),
               accent=_c(0.45, 0.3, 0.2), shoes=_c(0.3, 0.18, 0.1)),
    )}  # fmt: skip


PRESETS: dict[str, CharacterParams] = _cast()


def _vivid(rng: random.Random, light: tuple[float, float]) -> tuple[float, float, float]:
    return _c(*colorsys.hsv_to_rgb(rng.random(), rng.uniform(0.2, 0.8), rng.uniform(*light)))


def random_params(seed: int | str) -> CharacterParams:
    """A random character: any age, proportions within the age's range, any hair and outfit,
    colors from skin and hair palettes and random clothes. The same seed, the same one."""
    rng = random.Random(f"mmd2anime character {seed}")
    age = rng.choice(AGES)
    body = Body(age, round(rng.uniform(*HEIGHTS[age]), 3), round(rng.uniform(*HEADS[age]), 3),
                round(rng.random(), 3), round(rng.uniform(-1.0, 1.0), 3))  # fmt: skip
    colors = {
        "skin": rng.choice(SKINS),
        "hair": rng.choice(HAIR_COLORS),
        "eyes": _vivid(rng, (0.4, 0.8)),
        "top": _vivid(rng, (0.2, 0.98)),
        "bottom": _vivid(rng, (0.15, 0.7)),
        "inner": _vivid(rng, (0.8, 1.0)),
        "accent": _vivid(rng, (0.5, 1.0)),
        "legwear": _vivid(rng, (0.1, 1.0)),
        "shoes": _vivid(rng, (0.05, 0.6)),
    }
    hair, outfit = rng.choice(HAIR_STYLES), rng.choice(OUTFITS)
    # Drawn last, so the draws above give the characters of earlier versions: real models
    # often wear fully saturated colors (a cyan hair, a red tie) and shade through a toon.
    for part in ("hair", "accent"):
        if rng.random() < SATURATED_SHARE:
            hsv = (rng.random(), rng.uniform(0.85, 1.0), rng.uniform(0.55, 1.0))
            colors[part] = _c(*colorsys.hsv_to_rgb(*hsv))
    toon = rng.choice(range(-1, 10)) if rng.random() < TOON_SHARE else -1
    return CharacterParams(f"random {seed}", body, hair, outfit, colors, toon)
