# SPDX-License-Identifier: GPL-3.0-or-later
"""Style packs: safetensors + JSON metadata, strict validation, never unpickling."""

import json
import pickle
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from mmd2anime.neural import pack
from mmd2anime.neural.model import ARCH_VERSION, GENERATOR_ARCH, GeneratorConfig, build_generator
from mmd2anime.neural.pack import StylePackError, load_pack, save_pack

ROOT = pack.__file__.rsplit("/neural/", 1)[0]
SHIPPED = Path(ROOT) / "neural" / "packs" / "initialized.safetensors"
SMALL = GeneratorConfig(stem_channels=8, channels=16, blocks=2)


@pytest.fixture
def saved(tmp_path):
    model = build_generator(SMALL, seed=1)
    meta = pack.base_metadata("test", "test series", SMALL)
    meta["metrics"] = {"fid": 12.5}
    return save_pack(tmp_path / "style.safetensors", model, meta), model


def _rewrite_meta(path, change):
    tensors = load_file(str(path))
    header_meta = json.loads(_header(path)["__metadata__"]["mmd2anime"])
    change(header_meta)
    save_file(tensors, str(path), metadata={"mmd2anime": json.dumps(header_meta)})


def _header(path):
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8 : 8 + length])


def test_roundtrip_keeps_weights_and_metadata(saved):
    path, model = saved
    loaded, meta = load_pack(path)
    for key, tensor in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], tensor)
    assert meta["name"] == "test" and meta["metrics"] == {"fid": 12.5}
    assert meta["architecture"] == GENERATOR_ARCH and meta["arch_version"] == ARCH_VERSION
    assert meta["config"] == SMALL.to_dict() and meta["initialized_only"] is True
    assert not loaded.training
    # Metadata is a string entry of the safetensors header, as the format requires.
    assert isinstance(_header(path)["__metadata__"]["mmd2anime"], str)


def test_shipped_pack_is_small_untrained_and_reproducible(tmp_path):
    _, meta = load_pack(SHIPPED)
    assert meta["initialized_only"] is True and "replace" in meta["note"]
    out = tmp_path / "init.safetensors"
    env = {"PYTHONPATH": str(tmp_path / "pkg")}
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mmd2anime").symlink_to(ROOT)
    subprocess.run([sys.executable, "-m", "mmd2anime.neural.pack", "init", str(out)],
                   check=True, env=env, capture_output=True)  # fmt: skip
    # Same metadata, same tensors up to float noise: another CPU's kernels may differ in the
    # last bits, so the bytes need not match.
    assert pack.read_metadata(out) == pack.read_metadata(SHIPPED)
    shipped, again = load_file(str(SHIPPED)), load_file(str(out))
    assert shipped.keys() == again.keys()
    for key, tensor in shipped.items():
        torch.testing.assert_close(again[key], tensor, rtol=1e-5, atol=1e-6, msg=key)
    assert out.stat().st_size < 2 * 1024 * 1024


def _expect(path, fragment):
    with pytest.raises(StylePackError) as info:
        load_pack(path)
    assert str(path) in str(info.value) and fragment in str(info.value)


def test_truncated_file(saved):
    path, _ = saved
    path.write_bytes(path.read_bytes()[:-100])
    _expect(path, "truncated")


def test_truncated_to_a_few_bytes(saved):
    path, _ = saved
    path.write_bytes(path.read_bytes()[:5])
    _expect(path, "truncated")


def test_flipped_header_bytes(saved):
    path, _ = saved
    data = bytearray(path.read_bytes())
    for i in range(9, 40):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    _expect(path, "corrupt safetensors header")


def test_tampered_metadata_json(saved):
    path, _ = saved
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    header["__metadata__"]["mmd2anime"] = header["__metadata__"]["mmd2anime"][:-7] + "garbage"
    raw = (
        json.dumps(header, separators=(",", ":")).encode().ljust(length)
    )  # same length keeps offsets valid
    assert len(raw) == length
    path.write_bytes(data[:8] + raw + data[8 + length :])
    _expect(path, "not valid JSON")


def test_missing_metadata_key(saved):
    path, _ = saved
    _rewrite_meta(path, lambda m: m.pop("series"))
    _expect(path, "lacks series")


def test_other_architecture(saved):
    path, _ = saved
    _rewrite_meta(path, lambda m: m.update(architecture="animeganv2"))
    _expect(path, "architecture 'animeganv2'")


def test_newer_version(saved):
    path, _ = saved
    _rewrite_meta(path, lambda m: m.update(arch_version=pack.NEWEST_VERSION + 1))
    _expect(path, "newer than this mmd2anime supports")


def test_wrong_input_channels(saved):
    path, _ = saved
    _rewrite_meta(path, lambda m: m["inputs"].update(channels=m["inputs"]["channels"][:-1]))
    _expect(path, "other inputs")


def test_config_in_channels_mismatch(saved):
    path, _ = saved
    _rewrite_meta(path, lambda m: m["config"].update(in_channels=7))
    _expect(path, "input channels")


def test_missing_tensor(saved):
    path, _ = saved
    tensors = load_file(str(path))
    meta = _header(path)["__metadata__"]
    tensors.pop("to_rgb.weight")
    save_file(tensors, str(path), metadata=meta)
    _expect(path, "missing ['to_rgb.weight']")


def test_wrong_shape(saved):
    path, _ = saved
    tensors = load_file(str(path))
    meta = _header(path)["__metadata__"]
    tensors["to_rgb.bias"] = torch.zeros(4)
    save_file(tensors, str(path), metadata=meta)
    _expect(path, "tensor to_rgb.bias has shape (4,)")


def test_pickle_renamed_is_refused_without_unpickling(tmp_path):
    class Boom:
        def __reduce__(self):
            return (open, (str(tmp_path / "pwned"), "w"))

    path = tmp_path / "evil.safetensors"
    path.write_bytes(pickle.dumps({"w": Boom()}))
    _expect(path, "not a safetensors file")
    assert not (tmp_path / "pwned").exists()


def test_torch_save_renamed_is_refused(tmp_path):
    path = tmp_path / "torch.safetensors"
    torch.save(build_generator(SMALL).state_dict(), path)
    _expect(path, "safetensors")


def test_plain_safetensors_without_our_metadata(tmp_path):
    path = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(2)}, str(path))
    _expect(path, "not an mmd2anime style pack")


def test_missing_file(tmp_path):
    _expect(tmp_path / "nope.safetensors", "cannot read")


def test_absurd_config_is_refused_before_allocating(saved):
    path, _ = saved
    _rewrite_meta(path, lambda m: m["config"].update(channels=10**7))
    _expect(path, "bad generator config")


@pytest.mark.parametrize("name", ["pastel", "vivid"])
def test_shipped_default_packs_name_their_target_and_training_command(name):
    path = Path(ROOT) / "neural" / "packs" / f"{name}.safetensors"
    model, meta = load_pack(path)
    assert meta["initialized_only"] is False and meta["arch_version"] == pack.NEWEST_VERSION
    # render.py SCENE --style none --look NAME <render_args...> renders the ground truth
    assert meta["target"]["look"] == name and isinstance(meta["target"]["render_args"], list)
    assert meta["training"]["command"].startswith("python -m mmd2anime.neural.train_paired")
    assert f"--look {name}" in meta["training"]["command"]
    assert path.stat().st_size < 4 * 2**20  # a few MB at most
