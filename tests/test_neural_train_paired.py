# SPDX-License-Identifier: GPL-3.0-or-later
"""Paired training: layouts and their target renders, matched by sample name."""

import cv2
import numpy as np
import pytest

from mmd2anime.bundle import FrameBundle
from mmd2anime.neural import inputs, synthetic
from mmd2anime.neural.pack import load_pack
from mmd2anime.neural.train_paired import main


def _pairs(tmp_path, count=4, size=32):
    layouts, targets = tmp_path / "layouts", tmp_path / "targets"
    targets.mkdir()
    for path in synthetic.layout_folder(layouts, count, size):
        bundle = FrameBundle.load(path)
        # the "target look": the layout's color inverted, a learnable map
        srgb = inputs.linear_to_srgb(bundle.color)
        target = np.round((1 - srgb) * 255).astype(np.uint8)[..., ::-1]
        cv2.imwrite(str(targets / path.name.replace("_bundle.npz", "_color.png")), target)
    return layouts, targets


def _rewrite(layouts, change) -> list:
    """Apply ``change(bundle)`` to every bundle in ``layouts`` and save it; their paths."""
    bundles = sorted(layouts.glob("*_bundle.npz"))
    for path in bundles:
        bundle = FrameBundle.load(path)
        change(bundle)
        bundle.save(path)
    return bundles


def _with_albedo(bundle) -> None:
    bundle.albedo = bundle.color * 1.5


def _with_edges(bundle) -> None:  # the silhouette's columns, a stand-in mesh edge
    bundle.edges = (np.abs(np.diff(bundle.alpha, axis=1, prepend=0)) > 0.5).astype(np.float32)


@pytest.mark.parametrize("arch", ["2", "1"])
def test_few_steps_write_a_pack_naming_its_target_and_command(tmp_path, arch):
    layouts, targets = _pairs(tmp_path)
    out = tmp_path / "pack.safetensors"
    argv = ["--pair", str(layouts), str(targets), "--out", str(out), "--look", "pastel",
            "--render-args", "--samples 64", "--steps", "3", "--size", "32", "--batch", "2",
            "--threads", "1", "--arch", arch]  # fmt: skip
    assert main(argv) == 0
    model, meta = load_pack(out)
    assert meta["arch_version"] == int(arch) and meta["initialized_only"] is False
    assert meta["target"] == {"look": "pastel", "render_args": ["--samples", "64"]}
    assert "train_paired" in meta["training"]["command"]
    assert "--look pastel" in meta["training"]["command"]
    assert meta["training"]["samples"] == 4 and meta["training"]["kind"] == "paired"
    from mmd2anime.shot import domain_warning

    assert domain_warning(meta, {"name": "vivid"}) is None  # inputs of any look


def test_missing_target_is_named(tmp_path, capsys):
    layouts, targets = _pairs(tmp_path)
    (targets / "000002_color.png").unlink()
    out = tmp_path / "pack.safetensors"
    argv = ["--pair", str(layouts), str(targets), "--out", str(out), "--look", "pastel"]
    assert main(argv) == 2
    assert "000002_color.png: missing" in capsys.readouterr().err
    assert not out.exists()


def test_init_continues_from_a_pack_and_refuses_another_architecture(tmp_path, capsys):
    layouts, targets = _pairs(tmp_path)
    first, second = tmp_path / "a.safetensors", tmp_path / "b.safetensors"
    common = ["--pair", str(layouts), str(targets), "--look", "pastel", "--size", "32",
              "--batch", "2", "--threads", "1"]  # fmt: skip
    assert main([*common, "--out", str(first), "--steps", "2"]) == 0
    assert main([*common, "--out", str(second), "--steps", "1", "--init", str(first), "--lr",
                 "1e-9"]) == 0  # fmt: skip
    a, b = load_pack(first)[0].state_dict(), load_pack(second)[0].state_dict()
    # one step at a negligible learning rate: the weights are the first pack's
    assert all(np.allclose(a[k], b[k], atol=1e-5) for k in a)
    assert main([*common, "--out", str(second), "--init", str(first), "--arch", "1"]) == 2
    assert "architecture 2, not 1" in capsys.readouterr().err


def test_albedo_pack_trains_on_the_pass_and_paints_with_or_without_it(tmp_path, capsys):
    from mmd2anime.neural.stylize import Stylizer

    layouts, targets = _pairs(tmp_path)
    out = tmp_path / "albedo.safetensors"
    common = ["--pair", str(layouts), str(targets), "--look", "pastel", "--size", "32",
              "--batch", "2", "--threads", "1", "--steps", "2", "--albedo"]  # fmt: skip
    assert main([*common, "--out", str(out)]) == 2  # the layouts lack the pass
    assert "no albedo pass" in capsys.readouterr().err and not out.exists()
    bundles = _rewrite(layouts, _with_albedo)
    assert main([*common, "--out", str(out)]) == 0
    model, meta = load_pack(out)
    assert model.config.in_channels == inputs.IN_CHANNELS_ALBEDO
    assert meta["training"]["options"]["albedo"] is True
    plain = [a for a in common if a != "--albedo"]
    assert main([*plain, "--out", str(tmp_path / "b.safetensors"), "--init", str(out)]) == 2
    assert "the pack takes 39 input channels, these options give 35" in capsys.readouterr().err
    stylizer = Stylizer(out, device="cpu", threads=1)
    bundle = FrameBundle.load(bundles[0])
    with_pass = stylizer([bundle], temporal_blend=False)[0]
    bundle.albedo = None  # Workbench, or a layout rendered before the pass
    without = stylizer([bundle], temporal_blend=False)[0]
    assert with_pass.shape == without.shape == (bundle.height, bundle.width, 3)
    assert np.isfinite(with_pass).all() and not np.allclose(with_pass, without)


def test_crops_name_the_frame_height_their_scale_stands_for():
    """A crop of side s of an H-tall frame, resized to size, stands for an H * size / s
    frame: between H * size / H (the whole frame) and H * size / (0.35 H)."""
    import torch

    from mmd2anime.neural.train_paired import paired_crops

    x, y = torch.zeros(3, inputs.IN_CHANNELS, 60, 80), torch.zeros(3, 3, 60, 80)
    cx, cy, heights = paired_crops(x, y, 16, 24, torch.Generator().manual_seed(1))
    assert cx.shape == (16, inputs.IN_CHANNELS, 24, 24) and cy.shape == (16, 3, 24, 24)
    assert heights.shape == (16,)
    assert float(heights.min()) >= 24 - 1e-4 and float(heights.max()) <= 24 / 0.35 + 1
    assert float(heights.max() - heights.min()) > 10  # crops of many sizes


def test_line_scale_pack_trains_and_keeps_its_options(tmp_path):
    layouts, targets = _pairs(tmp_path)
    out = tmp_path / "scaled.safetensors"
    argv = ["--pair", str(layouts), str(targets), "--out", str(out), "--look", "pastel",
            "--steps", "2", "--size", "32", "--batch", "2", "--threads", "1",
            "--line-reach", "2", "--line-scale", "--depth-gain", "25"]  # fmt: skip
    assert main(argv) == 0
    model, meta = load_pack(out)
    assert model.config.line_scale is True and model.config.depth_gain == 25
    assert "--line-scale" in meta["training"]["command"]


def test_edges_pack_trains_on_the_pass_and_paints_with_or_without_it(tmp_path, capsys):
    from mmd2anime.neural.stylize import Stylizer

    layouts, targets = _pairs(tmp_path)
    out = tmp_path / "edges.safetensors"
    common = ["--pair", str(layouts), str(targets), "--look", "pastel", "--size", "32",
              "--batch", "2", "--threads", "1", "--steps", "2", "--albedo", "--edges"]  # fmt: skip
    bundles = _rewrite(layouts, _with_albedo)
    assert main([*common, "--out", str(out)]) == 2  # the layouts lack the edges pass
    assert "no edges pass" in capsys.readouterr().err and not out.exists()
    _rewrite(layouts, _with_edges)
    assert main([*common, "--out", str(out)]) == 0
    model, meta = load_pack(out)
    assert model.config.in_channels == inputs.IN_CHANNELS_EDGES
    assert meta["training"]["options"]["edges"] is True
    albedo_only = [a for a in common if a != "--edges"]
    assert main([*albedo_only, "--out", str(tmp_path / "b.safetensors"), "--init", str(out)]) == 2
    assert "the pack takes 41 input channels, these options give 39" in capsys.readouterr().err
    stylizer = Stylizer(out, device="cpu", threads=1)
    bundle = FrameBundle.load(bundles[0])
    with_pass = stylizer([bundle], temporal_blend=False)[0]
    bundle.edges = None  # a layout rendered before the pass
    without = stylizer([bundle], temporal_blend=False)[0]
    assert np.isfinite(with_pass).all() and np.isfinite(without).all()


def test_light_pack_trains_on_the_key_light_and_paints_with_or_without_it(tmp_path, capsys):
    from mmd2anime.neural.stylize import Stylizer

    layouts, targets = _pairs(tmp_path)
    out = tmp_path / "light.safetensors"
    common = ["--pair", str(layouts), str(targets), "--look", "pastel", "--size", "32",
              "--batch", "2", "--threads", "1", "--steps", "2", "--albedo", "--edges",
              "--light"]  # fmt: skip
    _rewrite(layouts, lambda b: (_with_albedo(b), _with_edges(b)))
    assert main([*common, "--out", str(out)]) == 2  # the layouts lack the light
    assert "no key light direction" in capsys.readouterr().err and not out.exists()
    bundles = _rewrite(layouts, lambda b: setattr(b, "light", [0.3, 0.8, 0.52]))
    assert main([*common, "--out", str(out)]) == 0
    model, meta = load_pack(out)
    assert model.config.in_channels == inputs.IN_CHANNELS_LIGHT
    assert meta["training"]["options"]["light"] is True
    assert meta["inputs"]["channels"][-2:] == ["lambert", "mask_light"]
    stylizer = Stylizer(out, device="cpu", threads=1)
    bundle = FrameBundle.load(bundles[0])
    lit = stylizer([bundle], temporal_blend=False)[0]
    bundle.light = None  # a layout rendered before the key light was recorded
    unlit = stylizer([bundle], temporal_blend=False)[0]
    assert np.isfinite(lit).all() and np.isfinite(unlit).all()


def test_albedo_and_edges_dropout_blank_their_own_groups():
    import torch

    from mmd2anime.neural.train_paired import paired_crops

    x = torch.ones(2, inputs.IN_CHANNELS_LIGHT, 40, 40)
    cx, _, _ = paired_crops(x, torch.zeros(2, 3, 40, 40), 200, 16, torch.Generator().manual_seed(4))
    albedo_gone = (cx[:, inputs.ALBEDO_MASK] == 0).flatten(1).all(1)
    edges_gone = (cx[:, inputs.EDGES_MASK] == 0).flatten(1).all(1)
    light_gone = (cx[:, inputs.LIGHT_MASK] == 0).flatten(1).all(1)
    for gone in (albedo_gone, edges_gone, light_gone):
        assert 0.05 < gone.float().mean() < 0.3
    # drawn apart, not together
    assert bool((albedo_gone != edges_gone).any()) and bool((edges_gone != light_gone).any())
    assert (cx[:, : inputs.IN_CHANNELS] != 0).any(dim=(2, 3)).all()  # the base layout stays


def test_energy_term_prefers_a_line_a_little_off_to_no_line():
    """Per pixel, a line drawn 2 px from the target's costs more than leaving it out; the
    pooled gradient energy asks for the line, so with enough weight the drawn one wins."""
    import torch

    from mmd2anime.neural.train_paired import paired_loss

    target = torch.full((1, 3, 32, 32), 0.5)
    target[:, :, :, 12] = -1.0  # a dark vertical line
    off = torch.full_like(target, 0.5)
    off[:, :, :, 14] = -1.0
    none = torch.full_like(target, 0.5)
    assert paired_loss(off, target, 2.0) > paired_loss(none, target, 2.0)
    assert paired_loss(off, target, 2.0, 4.0) < paired_loss(none, target, 2.0, 4.0)
    assert paired_loss(target, target, 2.0, 4.0) < 1e-3
