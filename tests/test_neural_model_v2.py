# SPDX-License-Identifier: GPL-3.0-or-later
"""Generator v2: shapes and ranges, crisp by construction, packs of both versions load."""

import numpy as np
import pytest
import torch
from random_generator import random_generator_v2

from mmd2anime.neural import inputs, pack
from mmd2anime.neural.model import GeneratorConfig, build_generator
from mmd2anime.neural.model_v2 import (
    ARCH_VERSION_V2,
    GeneratorV2Config,
    _dilate,
    build_generator_v2,
    reach_rings,
)
from mmd2anime.neural.pack import StylePackError, load_pack, save_pack

SMALL = GeneratorV2Config(channels=16, blocks=1)
# shade bands and line reach on (the first packs have both off)
FEATURES = GeneratorV2Config(channels=16, blocks=1, color_bands=2, line_reach=3)
CONFIGS = pytest.mark.parametrize("config", [SMALL, FEATURES], ids=["plain", "features"])


@CONFIGS
@pytest.mark.parametrize("size", [(64, 64), (50, 77), (17, 23)])
def test_any_size_in_range(size, config):
    h, w = size
    x = torch.randn(2, inputs.IN_CHANNELS, h, w)
    with torch.inference_mode():
        y = random_generator_v2(config)(x)
    assert y.shape == (2, 3, h, w)
    assert float(y.min()) >= -1 and float(y.max()) <= 1 and torch.isfinite(y).all()


# no lines yet: sigmoid(-4) ~ 0.018 of a line color (sigmoid(-3) ~ 0.047 with the reach
# features, which must learn from the start); the rest exactly the color
@pytest.mark.parametrize(
    ("config", "tolerance"), [(SMALL, 0.05), (FEATURES, 0.1)], ids=["plain", "features"]
)
def test_starts_as_identity_on_color(config, tolerance):
    x = torch.rand(1, inputs.IN_CHANNELS, 32, 32) * 1.6 - 0.8
    with torch.inference_mode():
        y = build_generator_v2(config, seed=0).eval()(x)
    assert float((y - x[:, :3]).abs().max()) < tolerance


@CONFIGS
def test_step_edge_in_the_guide_stays_a_step_edge(config):
    """A vertical edge in color, coverage and depth stays within 2 px wide at full res,
    whatever the low-resolution coefficients do (they are smooth at 1/8)."""
    h, w = 64, 128
    x = torch.zeros(1, inputs.IN_CHANNELS, h, w)
    x[:, inputs.COLOR, :, : w // 2] = -0.6
    x[:, inputs.COLOR, :, w // 2 :] = 0.5
    x[:, 3, :, w // 2 :] = 1.0  # depth
    x[:, 6, :, w // 2 :] = 1.0  # normal z
    x[:, inputs.ALPHA, :, w // 2 :] = 1.0
    x[:, inputs.MASKS] = 1
    with torch.inference_mode():
        row = random_generator_v2(config)(x)[0, :, h // 2].numpy()  # (3, w)
    jump = np.abs(np.diff(row, axis=1))  # (3, w - 1); the edge lies between w/2-1 and w/2
    edge = jump[:, w // 2 - 1]
    inner = np.r_[8 : w // 2 - 1, w // 2 : w - 9]  # off the edge and the frame's borders
    elsewhere = jump[:, inner].max(1)
    # on every channel that changes, one pixel step holds the edge: at least 3x any step
    # of the smooth coefficients elsewhere (v1 spread an edge over its 4x upsampling)
    changed = edge > 0.05
    assert changed.any()
    assert (edge[changed] > 3 * elsewhere[changed]).all()


def test_v2_pack_roundtrip_and_v1_still_loads(tmp_path):
    model = random_generator_v2(SMALL)
    meta = pack.base_metadata("v2", "test", SMALL)
    path = save_pack(tmp_path / "v2.safetensors", model, meta)
    loaded, got = load_pack(path)
    assert got["arch_version"] == ARCH_VERSION_V2 and got["config"] == SMALL.to_dict()
    x = torch.randn(1, inputs.IN_CHANNELS, 24, 24)
    with torch.inference_mode():
        assert torch.allclose(loaded(x), model(x))
    v1_config = GeneratorConfig(stem_channels=8, channels=16, blocks=2)
    v1 = save_pack(
        tmp_path / "v1.safetensors",
        build_generator(v1_config, seed=1),
        pack.base_metadata("v1", "test", v1_config),
    )
    assert load_pack(v1)[1]["arch_version"] == 1


def test_v2_config_in_a_v1_pack_is_refused(tmp_path):
    path = save_pack(
        tmp_path / "v2.safetensors",
        random_generator_v2(SMALL),
        pack.base_metadata("v2", "t", SMALL),
    )
    from test_neural_pack import _rewrite_meta

    _rewrite_meta(path, lambda m: m.update(arch_version=1))
    with pytest.raises(StylePackError, match="bad generator config"):
        load_pack(path)


def test_reach_rings_lie_outside_the_silhouette_and_behind_depth_steps():
    """Rings at 1, 2 and 4 px: a pixel 3 px outside a square is in the 4 px ring only; a
    pixel on the far side of a depth step inside the figure rings by the step."""
    h = w = 40
    alpha = torch.zeros(1, 1, h, w)
    alpha[..., 10:30, 10:30] = 1
    depth = alpha * 1.0
    depth[..., 10:30, 20:30] = 1.5  # the right half is nearer
    rings = reach_rings(alpha, depth, 3)[0].numpy()  # (6, h, w)
    silhouette = rings[0::2]
    assert (silhouette[:, 20, 9] == 1).all()  # 1 px outside: in every ring
    assert silhouette[:2, 20, 7].max() == 0 and silhouette[2, 20, 7] == 1  # 3 px outside
    assert (silhouette[:, 20, 15] == 0).all()  # inside: no silhouette ring
    behind = rings[1::2]
    assert behind[0, 20, 19] == pytest.approx(0.5)  # far side, next to the nearer half
    assert behind[0, 20, 17] == 0 and behind[2, 20, 17] == pytest.approx(0.5)
    assert (behind[:, 20, 24] == 0).all()  # the nearer side draws no ring


def test_depth_gain_lifts_small_depth_steps_and_keeps_the_silhouette():
    """A strand 2 % nearer than the body behind it rings 0.02 at gain 1 and 0.5 at 25; the
    silhouette ring stays 1 either way."""
    alpha = torch.zeros(1, 1, 20, 20)
    alpha[..., 4:16, 4:16] = 1
    depth = alpha.clone()
    depth[..., 4:16, 10:16] = 1.02
    plain, lifted = reach_rings(alpha, depth, 1), reach_rings(alpha, depth, 1, depth_gain=25)
    assert plain[0, 1, 8, 9] == pytest.approx(0.02, abs=1e-6)
    assert lifted[0, 1, 8, 9] == pytest.approx(0.5, abs=1e-5)
    assert lifted[0, 1, 8, 3] == 1 and torch.equal(plain[:, 0], lifted[:, 0])


def test_line_scale_reads_the_frame_height_whole_frames_default_to_their_own():
    """With ``line_scale`` the picture depends on the height a crop stands for; a whole
    frame stands for its own height, and without the option the height is ignored."""
    config = GeneratorV2Config(channels=16, blocks=1, line_reach=2, line_scale=True)
    model = random_generator_v2(config)
    x = torch.randn(2, inputs.IN_CHANNELS, 32, 48)
    with torch.inference_mode():
        own = model(x)
        assert torch.allclose(model(x, frame_height=torch.tensor([32.0, 32.0])), own)
        other = model(x, frame_height=torch.tensor([32.0, 1080.0]))
        assert torch.allclose(other[0], own[0]) and not torch.allclose(other[1], own[1])
        plain = random_generator_v2(SMALL)
        assert torch.equal(plain(x, frame_height=torch.tensor([1080.0, 64.0])), plain(x))


def test_packs_without_the_new_features_load_with_them_off():
    old = {"in_channels": inputs.IN_CHANNELS, "channels": 16, "blocks": 1, "bands": 4,
           "line_channels": 8}  # fmt: skip
    config = GeneratorV2Config.from_dict(old)
    assert config.color_bands == 0 and config.line_reach == 0
    assert config.line_scale is False and config.depth_gain == 1.0
    assert GeneratorV2Config.from_dict({**old, "line_reach": 0}).line_reach == 0
    with pytest.raises(ValueError, match="1..1024"):
        GeneratorV2Config.from_dict({**old, "channels": 0})  # only the optional ones may be 0
    with pytest.raises(ValueError, match="line_reach is at most"):
        build_generator_v2(GeneratorV2Config(line_reach=40))


ALBEDO = GeneratorV2Config(inputs.IN_CHANNELS_ALBEDO, channels=16, blocks=1, color_bands=2)


def test_albedo_edge_alone_stays_a_step_edge_and_the_pack_roundtrips(tmp_path):
    """Two materials the light made the same color differ in the output at full
    resolution when their albedo differs (black cloth vs shaded white cloth)."""
    h, w = 48, 96
    x = torch.zeros(1, inputs.IN_CHANNELS_ALBEDO, h, w)
    x[:, inputs.COLOR] = -0.7  # one dim color everywhere
    x[:, 3], x[:, 6], x[:, inputs.ALPHA] = 1.0, 1.0, 1.0
    x[:, inputs.MASKS], x[:, inputs.ALBEDO_MASK] = 1, 1
    x[:, inputs.ALBEDO, :, : w // 2] = -0.9
    x[:, inputs.ALBEDO, :, w // 2 :] = 0.8
    model = random_generator_v2(ALBEDO)
    with torch.inference_mode():
        row = model(x)[0, :, h // 2].numpy()
    jump = np.abs(np.diff(row, axis=1))
    assert jump[:, w // 2 - 1].max() > 0.05
    assert (jump[:, w // 2 - 1] >= 3 * jump[:, 8 : w // 2 - 2].max(1)).all()
    path = save_pack(tmp_path / "albedo.safetensors", model, pack.base_metadata("a", "t", ALBEDO))
    loaded, meta = load_pack(path)
    assert meta["inputs"]["count"] == inputs.IN_CHANNELS_ALBEDO
    assert meta["inputs"]["channels"][-1] == "mask_albedo"
    with torch.inference_mode():
        assert torch.allclose(loaded(x), model(x))


EDGES = GeneratorV2Config(inputs.IN_CHANNELS_EDGES, channels=16, blocks=1, color_bands=2,
                          line_reach=2)  # fmt: skip


def test_an_edges_pack_draws_a_line_where_the_edges_pass_has_one(tmp_path):
    """On a flat fill with no depth or normal step, a line in the edges pass alone changes
    the output along it and nowhere far from it; the pack round-trips."""
    h, w = 40, 64
    x = torch.zeros(1, inputs.IN_CHANNELS_EDGES, h, w)
    x[:, inputs.COLOR], x[:, inputs.ALBEDO] = 0.3, 0.3
    x[:, 3], x[:, 6], x[:, inputs.ALPHA] = 1.0, 1.0, 1.0
    x[:, inputs.MASKS], x[:, inputs.ALBEDO_MASK], x[:, inputs.EDGES_MASK] = 1, 1, 1
    model = random_generator_v2(EDGES)
    with torch.no_grad():  # a line layer that reacts strongly to what it sees
        model.line1.weight.mul_(40)
        model.line2.weight.mul_(40)
    with torch.inference_mode():
        plain = model(x)[0]
        x[:, inputs.EDGES, 20] = 1.0  # one row of mesh edge
        lined = model(x)[0]
    change = (lined - plain).abs().amax(0).amax(1)  # per row
    # the low-resolution branch sees the pass too, but only as smooth maps
    assert change[20] > 0.05
    assert change[20] > 5 * max(change[:14].max(), change[27:].max())
    path = save_pack(tmp_path / "edges.safetensors", model, pack.base_metadata("e", "t", EDGES))
    loaded, meta = load_pack(path)
    assert meta["inputs"]["count"] == inputs.IN_CHANNELS_EDGES
    assert meta["inputs"]["channels"][-2:] == ["edges", "mask_edges"]
    assert "edges" in meta["inputs"]["normalization"]
    with torch.inference_mode():
        assert torch.allclose(loaded(x), model(x))


@CONFIGS
def test_no_line_along_the_frame_border(config):
    """An empty background frame: the full-resolution layers see no edge at the border."""
    x = torch.zeros(1, inputs.IN_CHANNELS, 48, 64)
    x[:, inputs.COLOR] = -1  # black, as the transparent film's background
    x[:, inputs.MASKS] = 1
    model = random_generator_v2(config)
    with torch.no_grad():  # a line layer that reacts strongly to any edge it sees
        model.line1.weight.mul_(40)
        model.line2.weight.mul_(40)
    with torch.inference_mode():
        y = model(x)[0].numpy()
    rows, cols = np.abs(np.diff(y, axis=1)), np.abs(np.diff(y, axis=2))
    inner = max(rows[:, 4:-4].max(), cols[:, :, 4:-4].max())
    border = max(rows[:, [0, -1]].max(), cols[:, :, [0, -1]].max())
    assert border <= 3 * inner + 1e-4


@pytest.mark.parametrize("size", [(64, 64), (61, 37), (9, 40)])
def test_strips_paint_the_whole_frames_picture(size):
    """The CPU's strip-wise full-resolution stage (lines read across strip borders, the
    frame's edge replicated) gives the whole-frame picture, strips of 8 rows up."""
    h, w = size
    config = GeneratorV2Config(channels=16, blocks=1, color_bands=2, line_reach=3,
                               in_channels=inputs.IN_CHANNELS_ALBEDO)  # fmt: skip
    model = random_generator_v2(config)
    with torch.no_grad():  # a line layer strong enough that a wrong halo shows
        model.line1.weight.mul_(40)
        model.line2.weight.mul_(40)
    x = torch.randn(2, config.in_channels, h, w)
    with torch.inference_mode():
        whole = model(x)
        assert whole.abs().max() > 0.5
        for strip_pixels in (1, 2 * w * 5, 2 * w * (h - 1)):
            model.strip_pixels = strip_pixels
            np.testing.assert_allclose(model(x), whole, atol=1e-5)


@pytest.mark.parametrize("radius", [1, 2, 5])
def test_dilate_is_a_clipped_max_window(radius):
    x = torch.rand(2, 2, 19, 33)
    window = 2 * radius + 1
    expected = torch.nn.functional.max_pool2d(x, window, stride=1, padding=radius)
    assert torch.equal(_dilate(x, radius), expected)


LIGHT = GeneratorV2Config(inputs.IN_CHANNELS_LIGHT, channels=16, blocks=1, color_bands=2,
                          line_reach=2)  # fmt: skip


def test_a_light_pack_steps_its_cel_bands_on_n_dot_l_alone(tmp_path):
    """Where nothing but N·L changes (one color, one normal; the light moved), the output
    steps at full resolution; the pack round-trips and refuses a layout it was not made for."""
    h, w = 48, 96
    x = torch.zeros(1, inputs.IN_CHANNELS_LIGHT, h, w)
    x[:, inputs.COLOR], x[:, inputs.ALBEDO] = 0.3, 0.3
    x[:, 3], x[:, 6], x[:, inputs.ALPHA] = 1.0, 1.0, 1.0
    x[:, inputs.MASKS], x[:, inputs.ALBEDO_MASK], x[:, inputs.LIGHT_MASK] = 1, 1, 1
    x[:, inputs.LAMBERT, :, : w // 2] = -0.4
    x[:, inputs.LAMBERT, :, w // 2 :] = 0.4
    model = random_generator_v2(LIGHT)
    with torch.no_grad():  # cel masks as steep as trained ones, on the N·L guide channel
        model.bands.weight[:, -1] = 40.0
    with torch.inference_mode():
        row = model(x)[0, :, h // 2].numpy()
    jump = np.abs(np.diff(row, axis=1))
    assert jump[:, w // 2 - 1].max() > 0.05
    assert (jump[:, w // 2 - 1] >= 3 * jump[:, 8 : w // 2 - 2].max(1)).all()
    path = save_pack(tmp_path / "light.safetensors", model, pack.base_metadata("l", "t", LIGHT))
    loaded, meta = load_pack(path)
    assert meta["inputs"]["count"] == inputs.IN_CHANNELS_LIGHT
    assert "light" in meta["inputs"]["normalization"]
    with torch.inference_mode():
        assert torch.allclose(loaded(x), model(x))
    with pytest.raises(ValueError, match="none of the input layouts"):
        build_generator_v2(GeneratorV2Config(inputs.IN_CHANNELS_LIGHT + 1))
