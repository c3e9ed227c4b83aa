# SPDX-License-Identifier: GPL-3.0-or-later
"""Parametric anime characters built in code (no bpy), for storyboards and for training.

    build("schoolgirl") / build(random_params(7)) / build(CharacterParams(...)) -> Model
    character_model(spec)     the Model as our importer gets it (through PMX bytes)
    PRESETS                   name -> CharacterParams, the named cast
    random_params(seed)       a random character, the same for the same seed
    params_for("seed:7")      a spec (preset name or "seed:N") -> CharacterParams

Every character has the mannequin's standard MMD bones (plus twist bones and joint helpers),
so library poses, VMD motions and keypoints work on it as on any model.
"""

from __future__ import annotations

from ..model import Model
from .assemble import MATERIALS
from .assemble import build as _build
from .params import AGES, COLOR_PARTS, HAIR_STYLES, OUTFITS, Body, CharacterParams
from .presets import PRESETS, random_params

SEED_PREFIX = "seed:"


def params_for(spec: str | CharacterParams) -> CharacterParams:
    """A preset name, ``seed:N`` (a random character) or parameters; KeyError lists the
    names for anything else."""
    if isinstance(spec, CharacterParams):
        return spec
    if spec in PRESETS:
        return PRESETS[spec]
    if spec.startswith(SEED_PREFIX):
        seed = spec[len(SEED_PREFIX) :]
        return random_params(int(seed) if seed.lstrip("-").isdigit() else seed)
    raise KeyError(f"unknown character {spec!r}: use one of {', '.join(PRESETS)} or seed:N")


def build(spec: str | CharacterParams) -> Model:
    """The character as a Model built in memory."""
    return _build(params_for(spec))


def character_model(spec: str | CharacterParams) -> Model:
    """The character as our importer gets it: written as PMX by our writer and read back by
    our reader, so every use of a character exercises the real file path."""
    from .. import read_bytes
    from ..pmx_write import pmx_bytes

    return read_bytes(pmx_bytes(build(spec)), "character.pmx")


__all__ = ["AGES", "COLOR_PARTS", "HAIR_STYLES", "MATERIALS", "OUTFITS", "PRESETS", "SEED_PREFIX", "Body",
           "CharacterParams", "build", "character_model", "params_for", "random_params"]  # fmt: skip
