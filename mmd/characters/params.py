# SPDX-License-Identifier: GPL-3.0-or-later
"""What a character is made of: body, hair, outfit and a color per part (all plain data).

Units are MMD's: a height of 20 is 1.6 m at the usual import scale 0.08.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

AGES = ("child", "teen", "adult")
HAIR_STYLES = ("short", "bob", "long", "ponytail", "twin_tails", "side_swept")
OUTFITS = ("sailor", "blazer_skirt", "blazer_trousers", "dress", "hoodie", "long_coat")
# Color slots: every part of a character takes its color from one of these.
COLOR_PARTS = ("skin", "hair", "eyes", "top", "bottom", "inner", "accent", "legwear", "shoes")
HEIGHTS = {"child": (12.5, 15.0), "teen": (16.5, 19.5), "adult": (19.0, 22.5)}
HEADS = {"child": (5.0, 5.8), "teen": (6.0, 7.0), "adult": (6.8, 8.0)}
DEFAULT_COLORS = {
    "skin": (1.0, 0.87, 0.79),
    "hair": (0.25, 0.18, 0.16),
    "eyes": (0.30, 0.22, 0.55),
    "top": (0.95, 0.95, 0.97),
    "bottom": (0.16, 0.20, 0.38),
    "inner": (0.96, 0.96, 0.94),
    "accent": (0.80, 0.16, 0.20),
    "legwear": (0.12, 0.12, 0.16),
    "shoes": (0.22, 0.14, 0.10),
}


@dataclass(frozen=True)
class Body:
    age: str = "teen"
    height: float = 18.5  # MMD units, head top above the soles
    heads: float = 6.5  # head-to-body ratio (5 to 8, the anime range)
    build: float = 0.4  # 0 slender .. 1 sturdy
    silhouette: float = 0.0  # -1 masculine .. 0 neutral .. +1 feminine


@dataclass(frozen=True)
class CharacterParams:
    name: str = "character"
    body: Body = field(default_factory=Body)
    hair: str = "short"
    outfit: str = "sailor"
    colors: dict = field(default_factory=lambda: dict(DEFAULT_COLORS))
    # MMD's shared toon ramp on every material: 0..9 for toon01..toon10.bmp, -1 none (most
    # real models shade through one: the cast should too, for packs to learn it)
    toon: int = -1

    def to_dict(self) -> dict:
        """JSON-able (for manifests)."""
        data = asdict(self)
        data["colors"] = {k: [round(float(c), 4) for c in v] for k, v in self.colors.items()}
        return data

    def with_colors(self, **colors) -> CharacterParams:
        return replace(self, colors={**self.colors, **colors})


def check(params: CharacterParams) -> CharacterParams:
    """``params`` when every value is in range, else ValueError saying which is not."""
    body = params.body
    if body.age not in AGES:
        raise ValueError(f"body age {body.age!r} is not one of {', '.join(AGES)}")
    if not 5.0 <= body.heads <= 8.0:
        raise ValueError(f"head-to-body ratio {body.heads} is outside 5..8")
    if not 10.0 <= body.height <= 25.0:
        raise ValueError(f"height {body.height} is outside 10..25 MMD units")
    if not 0.0 <= body.build <= 1.0 or not -1.0 <= body.silhouette <= 1.0:
        raise ValueError("build must be in 0..1 and silhouette in -1..1")
    if not -1 <= params.toon <= 9:
        raise ValueError(f"toon {params.toon} is not a shared toon index 0..9 or -1 (none)")
    if params.hair not in HAIR_STYLES:
        raise ValueError(f"hair {params.hair!r} is not one of {', '.join(HAIR_STYLES)}")
    if params.outfit not in OUTFITS:
        raise ValueError(f"outfit {params.outfit!r} is not one of {', '.join(OUTFITS)}")
    missing = [part for part in COLOR_PARTS if part not in params.colors]
    if missing:
        raise ValueError(f"no color for {', '.join(missing)}")
    for part, color in params.colors.items():
        if len(color) != 3 or not all(0.0 <= float(c) <= 1.0 for c in color):
            raise ValueError(f"color of {part} must be three values in 0..1, got {color}")
    return params
