# SPDX-License-Identifier: GPL-3.0-or-later
"""Dataset mode in a look: same seed, same cameras and poses, the look's colors (paired)."""

import bpy
import numpy as np
import pytest
from layout_figure import build_figure

from mmd2anime.bundle import FrameBundle
from mmd2anime.layout.dataset import write_dataset
from mmd2anime.shaders.looks import LookError


def test_look_renders_the_same_samples_in_other_colors(bpy_module, scene, tmp_path):
    counts = {k: len(getattr(bpy.data, k)) for k in ("objects", "materials", "node_groups")}
    plain = write_dataset(tmp_path / "plain", 2, seed=3, build_puppet=build_figure, size=(64, 64))
    styled = write_dataset(
        tmp_path / "vivid", 2, seed=3, build_puppet=build_figure, size=(64, 64), look="vivid"
    )
    assert styled["look"] == "vivid" and plain["look"] is None
    assert [e["choices"]["camera"] for e in plain["frames"]] == [
        e["choices"]["camera"] for e in styled["frames"]
    ]
    for index in range(2):
        a = FrameBundle.load(tmp_path / "plain" / f"{index:06d}_bundle")
        b = FrameBundle.load(tmp_path / "vivid" / f"{index:06d}_bundle")
        np.testing.assert_allclose(a.keypoints, b.keypoints, atol=1e-4)
        # same silhouette, grown a little by the look's outline
        inside = a.alpha > 0.5
        assert inside.sum() > 20 and (b.alpha[inside] > 0.5).mean() > 0.95
        # the look replaces the material and paints a background: other colors
        assert np.abs(a.color - b.color).mean() > 0.02
    assert {k: len(getattr(bpy.data, k)) for k in counts} == counts


def test_unknown_look_fails_before_rendering(bpy_module, scene, tmp_path):
    with pytest.raises(LookError, match="no look named 'nope'"):
        write_dataset(tmp_path, 1, build_puppet=build_figure, size=(32, 32), look="nope")
    assert not list(tmp_path.iterdir())


def test_lines_draw_dark_strokes_over_the_same_frame(bpy_module, scene, tmp_path):
    """--lines (a pack's final-quality target): Freestyle strokes in the look's line color
    on the same sample; everything the run made, line styles included, is removed."""
    counts = {k: len(getattr(bpy.data, k)) for k in ("linestyles", "scenes", "materials")}
    args = {"seed": 4, "build_puppet": build_figure, "size": (96, 96), "look": "vivid"}
    plain = write_dataset(tmp_path / "plain", 1, **args)
    lined = write_dataset(tmp_path / "lines", 1, lines=True, **args)
    assert lined["lines"] is True and plain["lines"] is False
    a = FrameBundle.load(tmp_path / "plain" / "000000_bundle").color
    b = FrameBundle.load(tmp_path / "lines" / "000000_bundle").color
    darker = a.mean(-1) - b.mean(-1) > 0.05  # vivid draws black lines
    lighter = b.mean(-1) - a.mean(-1) > 0.05
    assert darker.sum() > 30 and lighter.sum() < darker.sum() / 4
    assert darker.mean() < 0.2  # strokes, not a darker frame
    assert not scene.render.use_freestyle  # the user's scene keeps its settings
    assert {k: len(getattr(bpy.data, k)) for k in counts} == counts


def test_the_looks_cel_bands_follow_each_samples_sun(bpy_module, scene, tmp_path):
    """One puppet, a sun placed anew per sample: every sample's toon shading steps on N·L
    against that sample's own sun (the one its bundle records), not the first sample's."""
    # seed 8: the suns of samples 1-3 leave lit and shadowed surface; lit with the first
    # sample's sun, two of them read 1.0 (flat), with their own 3.7
    write_dataset(tmp_path, 4, seed=8, build_puppet=build_figure, size=(96, 96), look="vivid")
    contrasts = []
    for index in range(1, 4):  # the first sample's sun is the one the look was applied under
        bundle = FrameBundle.load(tmp_path / f"{index:06d}_bundle")
        lambert = bundle.normal @ np.asarray(bundle.light, np.float32)
        inside = bundle.alpha > 0.99
        inside[1:-1, 1:-1] &= inside[:-2, 1:-1] & inside[2:, 1:-1]  # off the outline
        inside[1:-1, 1:-1] &= inside[1:-1, :-2] & inside[1:-1, 2:]
        luma = bundle.color.mean(2)
        lit, shadow = inside & (lambert > 0.3), inside & (lambert < -0.2)
        if lit.sum() >= 20 and shadow.sum() >= 20:
            contrasts.append(np.median(luma[lit]) / np.median(luma[shadow]))
    assert len(contrasts) == 3, "samples without both lit and shadowed surface"
    assert min(contrasts) > 1.3, contrasts
