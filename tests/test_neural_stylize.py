# SPDX-License-Identifier: GPL-3.0-or-later
"""Inference: Stylizer (batches, tiles, determinism, devices) and its command line."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from random_generator import random_generator_v2

from mmd2anime.neural import stylize
from mmd2anime.neural.model_v2 import GeneratorV2Config
from mmd2anime.neural.pack import base_metadata, save_pack
from mmd2anime.neural.stylize import Stylizer, load_image, write_png
from mmd2anime.neural.synthetic import pan_sequence, texture

ROOT = Path(stylize.__file__).resolve().parents[1]
PACK = ROOT / "neural" / "packs" / "initialized.safetensors"


@pytest.fixture(scope="module")
def stylizer():
    return Stylizer(PACK, device="cpu")


def test_outputs_linear_frames_of_any_size(stylizer):
    bundle = pan_sequence(37, 29, 1)[0]  # not multiples of 4
    image = texture(20, 18)
    out_bundle, out_image = stylizer([bundle, image])
    assert out_bundle.shape == (29, 37, 3) and out_image.shape == (18, 20, 3)
    assert out_bundle.dtype == np.float32
    assert out_bundle.min() >= 0 and out_bundle.max() <= 1


def test_same_input_gives_identical_bytes(stylizer):
    bundles = pan_sequence(64, 48, 3)
    first = stylizer(bundles)
    second = Stylizer(PACK, device="cpu")(bundles)
    for a, b in zip(first, second, strict=True):
        assert a.tobytes() == b.tobytes()


def test_batched_equals_one_by_one(stylizer):
    bundles = pan_sequence(40, 32, 3)
    together = stylizer(bundles, temporal_blend=False)
    alone = [stylizer([b], temporal_blend=False)[0] for b in bundles]
    for a, b in zip(together, alone, strict=True):
        # outputs go through a 16-bit sRGB table: a rounding flip is one code, < 5e-5 linear
        np.testing.assert_allclose(a, b, atol=5e-5)


def test_tiled_matches_untiled(stylizer):
    bundle = pan_sequence(300, 200, 1)[0]
    whole = stylizer([bundle])[0]
    tiled = Stylizer(PACK, device="cpu", tile=128)([bundle])[0]
    assert np.abs(tiled - whole).max() < 0.01
    assert np.abs(tiled - whole).mean() < 5e-4


def test_tiles_of_a_line_scale_pack_draw_to_the_whole_frames_scale(tmp_path):
    """A pack that reads the frame height (line width) gets the frame's height in every
    tile, not the tile's, and that height changes its picture."""
    config = GeneratorV2Config(channels=16, blocks=1, line_reach=2, line_scale=True)
    model = random_generator_v2(config, seed=4)
    pack = save_pack(tmp_path / "scaled.safetensors", model, base_metadata("s", "s", config))
    bundle = pan_sequence(300, 200, 1)[0]
    tiled = Stylizer(pack, device="cpu", tile=128)
    heights = []
    tiled.model.register_forward_pre_hook(
        lambda _m, _a, kwargs: heights.extend(kwargs["frame_height"].tolist()), with_kwargs=True
    )
    tiled([bundle], temporal_blend=False)
    assert len(heights) > 1 and set(heights) == {200.0}

    whole = Stylizer(pack, device="cpu")
    x = whole.build_inputs(bundle)[None]
    at_frame, at_tile = whole._forward(x), whole._forward(x, frame_height=128)
    assert np.abs(at_frame - at_tile).mean() > 1e-3


@pytest.mark.slow
def test_4k_frame_tiles_automatically_and_matches_a_crop(stylizer):
    frame = np.tile(texture(960, 540, seed=5), (4, 4, 1))
    assert stylizer._needs_tiles(stylize.inputs.image_bundle(frame))
    out = stylizer([frame])[0]
    assert out.shape == (2160, 3840, 3) and np.isfinite(out).all()
    # Away from the crop's own borders, an untiled crop agrees with the tiled 4K frame.
    crop = stylizer([frame[900:1300, 1700:2200]])[0]
    np.testing.assert_allclose(out[964:1236, 1764:2136], crop[64:-64, 64:-64], atol=0.01)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_fp16_close_to_cpu(stylizer):
    bundle = pan_sequence(128, 96, 1)[0]
    gpu = Stylizer(PACK, device="cuda")
    assert gpu.half
    np.testing.assert_allclose(gpu([bundle])[0], stylizer([bundle])[0], atol=0.02)


def test_absent_device_is_refused():
    with pytest.raises(ValueError, match="not available"):
        stylize.resolve_device("cuda" if not torch.cuda.is_available() else "mps")


def test_png_roundtrip(tmp_path):
    image = texture(16, 12)
    back = load_image(write_png(tmp_path / "x.png", image))
    np.testing.assert_allclose(back, image, atol=0.01)


def _cli(tmp_path, *args):
    pkg = tmp_path / "pkg"
    if not pkg.exists():
        pkg.mkdir()
        (pkg / "mmd2anime").symlink_to(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "mmd2anime.neural.stylize", *map(str, args)],
        capture_output=True, text=True, env={"PYTHONPATH": str(pkg)}, timeout=120,
    )  # fmt: skip


def test_cli_on_saved_bundles(tmp_path):
    folder = tmp_path / "bundles"
    folder.mkdir()
    for bundle in pan_sequence(40, 24, 3):
        bundle.save(folder / f"f{bundle.frame:03d}")
    result = _cli(tmp_path, "--style", PACK, "--bundle", folder, "--out", tmp_path / "out",
                  "--device", "cpu")  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = sorted((tmp_path / "out").glob("*.png"))
    assert [p.name for p in written] == ["f000.png", "f001.png", "f002.png"]
    assert load_image(written[0]).shape == (24, 40, 3)


def test_cli_on_png_folder_and_errors(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    write_png(folder / "a.png", texture(30, 20))
    write_png(folder / "b.png", texture(30, 20, seed=1))
    ok = _cli(tmp_path, "--style", PACK, "--input", folder, "--out", tmp_path / "out")
    assert ok.returncode == 0, ok.stderr
    assert load_image(tmp_path / "out" / "b.png").shape == (20, 30, 3)

    bad_pack = tmp_path / "bad.safetensors"
    bad_pack.write_bytes(b"not a pack")
    failed = _cli(tmp_path, "--style", bad_pack, "--input", folder, "--out", tmp_path / "o2")
    assert failed.returncode == 1
    assert failed.stderr.strip().count("\n") == 0 and str(bad_pack) in failed.stderr
    assert "Traceback" not in failed.stderr

    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = _cli(tmp_path, "--style", PACK, "--input", empty, "--out", tmp_path / "o3")
    assert nothing.returncode == 1 and "holds no images" in nothing.stderr

    usage = _cli(tmp_path, "--style", PACK, "--out", tmp_path / "o4")
    assert usage.returncode == 2 and usage.stderr.count("\n") == 1


def test_malformed_frames_are_refused_with_their_index(stylizer):
    with pytest.raises(ValueError, match="frame 1: FrameBundle.color"):
        stylizer([texture(8, 8), np.zeros((8, 8, 4), np.float32)])


def test_cli_chunks_carry_temporal_blending(stylizer, tmp_path):
    """The command line stylizes in chunks of --batch frames with a reader and a writer
    thread; blending with the warped predecessor continues across chunk boundaries."""
    folder = tmp_path / "bundles"
    folder.mkdir()
    bundles = pan_sequence(40, 24, 5)
    for bundle in reversed(bundles):  # names out of frame order: sorted by their JSON frame
        bundle.save(folder / f"z{4 - bundle.frame}")
    whole = stylizer(bundles)
    for batch in (1, 2):
        out = tmp_path / f"out{batch}"
        stylizer.batch_size = batch
        paths = sorted(folder.glob("*.npz"), key=stylize._bundle_frame)
        out.mkdir()
        written = stylize.run_cli(stylizer, paths, True, out, temporal_blend=True)
        assert [p.name for p in written] == [f"z{4 - i}.png" for i in range(5)]
        for path, expected in zip(written, whole, strict=True):
            np.testing.assert_allclose(load_image(path), expected, atol=0.01)
    stylizer.batch_size = 4
    # frames 1.. differ from their unblended selves: blending did happen in every chunk
    alone = stylizer(bundles, temporal_blend=False)
    assert all(np.abs(whole[i] - alone[i]).max() > 1e-3 for i in range(1, 5))
