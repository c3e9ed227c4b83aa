# SPDX-License-Identifier: GPL-3.0-or-later
"""A hair-only halo through the shot path (render.py --look, Stylize shot): render_bundle
renders the looks' hair AOV into ``FrameBundle.hair`` and shot.py develops with it, so the
halo glows around the hair and not around the legs and feet."""

import copy

import cv2
import numpy as np
import pytest

from mmd2anime.bundle import FrameBundle
from mmd2anime.layout import exr
from mmd2anime.layout.passes import render_bundle
from mmd2anime.shaders import apply, looks
from mmd2anime.shaders.photography import develop_look
from mmd2anime.shaders.toon import HAIR_AOV
from mmd2anime.shot import ShotSettings, run_shot

SIZE = 160
REACH = 4  # px from the silhouette that count as the halo's ring (its radius is 0.03 x SIZE)


def _halo_look() -> dict:
    """Pastel with a stronger, wider hair-only halo, so the ring is several pixels wide."""
    look = copy.deepcopy(looks.load_look("pastel"))
    look["photography"]["halo"].update(strength=1.0, radius=0.03, hair_only=True)
    return look


def _character(scene, engine: str):
    from mmd2anime.demo_scene import build_demo_shot

    armature = build_demo_shot(scene, "standing", "twin_tails")
    scene.render.resolution_x = scene.render.resolution_y = SIZE
    scene.render.engine = engine
    scene.cycles.samples = scene.eevee.taa_render_samples = 2
    scene.cycles.use_denoising = False
    scene.render.threads_mode, scene.render.threads = "FIXED", 2
    return armature


def _luma(image: np.ndarray) -> np.ndarray:
    return image @ np.array([0.2126, 0.7152, 0.0722], np.float32)


def _rings(alpha: np.ndarray, hair: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Background pixels within REACH of the hair, and within REACH of the feet (the lowest
    sixth of the figure) but farther than 4 x REACH from any hair."""
    figure = (alpha > 0.5).astype(np.uint8)
    background = alpha < 0.01

    def near(mask: np.ndarray) -> np.ndarray:
        return cv2.distanceTransform((1 - mask).astype(np.uint8), cv2.DIST_L2, 5)

    from_hair = near((hair > 0.5).astype(np.uint8))
    rows = np.flatnonzero(figure.any(axis=1))
    feet = figure.copy()
    feet[: rows[-1] - (rows[-1] - rows[0]) // 6] = 0
    by_hair = background & (from_hair <= REACH)
    by_feet = background & (near(feet) <= REACH) & (from_hair > 4 * REACH)
    assert by_hair.sum() > 20 and by_feet.sum() > 10, "the framing left no rings to measure"
    return by_hair, by_feet


def _check_halo(scene, tmp_path) -> None:
    look = _halo_look()
    apply.apply_look(apply.look_targets(list(_armatures(scene))), look, scene)
    view_layer = scene.view_layers[0]
    settings = ShotSettings(out_dir=tmp_path, frames=[1], style=None, look=look)
    run_shot(scene, settings)
    assert HAIR_AOV not in view_layer.aovs  # added for the render only
    bundle = FrameBundle.load(tmp_path / "layout" / "000001_bundle")
    assert bundle.hair is not None
    covered = bundle.alpha > 0.5
    assert 0.1 < (bundle.hair[covered] > 0.5).mean() < 0.7  # the hair, not the whole figure
    assert not (bundle.hair[bundle.alpha < 0.01] > 0.1).any()
    # The same render developed without a halo, and with one around the whole silhouette.
    raw = dict(exr.iter_passes(tmp_path / "layout" / "000001.exr", view_layer.name, ["Combined"]))
    raw = raw["Combined"][..., :3]
    no_halo = copy.deepcopy(look)
    no_halo["photography"]["halo"]["strength"] = 0.0
    reference = _luma(develop_look(raw, bundle.alpha, no_halo))
    added = _luma(bundle.color) - reference
    silhouette = _luma(develop_look(raw, bundle.alpha, look, None)) - reference
    by_hair, by_feet = _rings(bundle.alpha, bundle.hair)
    assert added[by_hair].mean() > 0.03  # the halo glows around the hair
    assert silhouette[by_feet].mean() > 0.03  # a silhouette halo would glow at the feet...
    assert np.abs(added[by_feet]).max() < 0.005  # ...the hair-only one adds nothing there


def _armatures(scene):
    return (o for o in scene.objects if o.type == "ARMATURE")


def test_hair_halo_in_the_shot_cycles(scene, tmp_path):
    _character(scene, "CYCLES")
    _check_halo(scene, tmp_path)


@pytest.mark.slow
@pytest.mark.usefixtures("requires_egl")
def test_hair_halo_in_the_shot_eevee(scene, tmp_path):
    _character(scene, "BLENDER_EEVEE")
    _check_halo(scene, tmp_path)


def test_no_hair_pass_without_a_look_or_on_workbench(scene):
    from mmd2anime.layout.errors import LayoutError

    armature = _character(scene, "CYCLES")
    scene.render.resolution_x = scene.render.resolution_y = 32
    assert render_bundle(scene, passes=("color", "alpha"), keypoints=False).hair is None
    apply.apply_look(apply.look_targets([armature]), looks.load_look("pastel"), scene)
    scene.render.engine = "BLENDER_WORKBENCH"  # runs no node shaders, so writes no AOV
    with pytest.raises(LayoutError, match="BLENDER_WORKBENCH has no hair pass"):
        render_bundle(scene, passes=("color", "alpha"), keypoints=False, hair=True)


def test_bundle_keeps_the_hair_mask_and_loads_bundles_without_it(tmp_path):
    h, w = 4, 6
    alpha = np.ones((h, w), np.float32)
    hair = np.zeros((h, w), np.float32)
    hair[0] = 1.0
    FrameBundle(width=w, height=h, alpha=alpha, hair=hair).save(tmp_path / "with")
    loaded = FrameBundle.load(tmp_path / "with")
    np.testing.assert_array_equal(loaded.hair, hair)
    assert "hair" not in loaded.present  # a mask for the photography pass, not a stylizer input
    FrameBundle(width=w, height=h, alpha=alpha).save(tmp_path / "without")
    assert FrameBundle.load(tmp_path / "without").hair is None
    bad = FrameBundle(width=w, height=h, hair=hair[:, :3])
    with pytest.raises(ValueError, match="FrameBundle.hair: expected float32"):
        bad.validate()
