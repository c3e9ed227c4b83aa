# SPDX-License-Identifier: GPL-3.0-or-later
"""PMX writer: read -> write -> read gives the same Model, field by field."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mmd2anime import mmd
from mmd2anime.mmd.pmx_write import pmx_bytes, write_pmx
from mmd2anime.mmd.sample import sample_model


def assert_same(a, b, where: str = "model") -> None:
    """Deep equality over dataclasses, dicts, sequences and numpy arrays (dtype-agnostic ints)."""
    if dataclasses.is_dataclass(a):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape and np.array_equal(a, b), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def test_roundtrip_every_shared_pmx(shared_data, tmp_path):
    for path in sorted(shared_data.glob("*.pmx")):
        model = mmd.read(path)
        write_pmx(model, tmp_path / path.name)
        assert_same(model, mmd.read(tmp_path / path.name), path.name)
        # The writer picks the smallest index sizes, as these editor-saved files do.
        assert (tmp_path / path.name).read_bytes() == path.read_bytes()


@pytest.mark.parametrize("version", [2.0, 2.1])
def test_roundtrip_synthetic_model_with_every_feature(version, tmp_path):
    model = sample_model(400, seed=3, version=version)
    write_pmx(model, tmp_path / "s.pmx")
    again = mmd.read(tmp_path / "s.pmx")
    assert_same(model, again)
    kinds = {morph.kind for morph in again.morphs}
    assert kinds == set(range(11 if version >= 2.1 else 9))
    assert set(np.unique(again.weight_types)) == set(range(5 if version >= 2.1 else 4))


def test_large_model_uses_wide_indices():
    model = sample_model(70_000, seed=1)
    data = pmx_bytes(model)
    assert data[11] == 4  # vertex index size: more than 65535 vertices
    assert_same(model, mmd.read_bytes(data))


def test_utf8_encoding_is_kept(tmp_path):
    model = sample_model(50, version=2.0)
    model.encoding = "utf-8"
    data = pmx_bytes(model)
    assert data[9] == 1
    assert_same(model, mmd.read_bytes(data))
