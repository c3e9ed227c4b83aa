# SPDX-License-Identifier: GPL-3.0-or-later
"""Every reader, fed broken bytes, returns a valid result or raises MMDFormatError, quickly."""

from __future__ import annotations

import struct
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_mmd_pmd import build_pmd

from mmd2anime import mmd
from mmd2anime.mmd.pmx_write import pmx_bytes
from mmd2anime.mmd.sample import sample_model

VPD = (
    "Vocaloid Pose Data file\r\n\r\nm.osm;\r\n1;\r\n\r\nBone0{頭\r\n  0,1,2;\r\n  0,0,0,1;\r\n}\r\n"
    "Morph0{あ\r\n  0.5;\r\n}\r\n"
).encode("cp932")
FUZZ = settings(
    max_examples=400, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


def _seeds(shared_data) -> dict[str, bytes]:
    return {
        "pmx20": (shared_data / "uv_morph_test.pmx").read_bytes(),
        "pmx21": pmx_bytes(sample_model(30, seed=5, version=2.1)),
        "vmd": (shared_data / "physics_toggle_test_v2_yyb10th.vmd").read_bytes(),
        "vpd": VPD,
        "pmd": build_pmd(),
    }


def _read_or_format_error(data: bytes) -> None:
    start = time.perf_counter()
    try:
        mmd.read_bytes(data, "fuzz.bin")
    except mmd.MMDFormatError as exc:
        assert exc.path == "fuzz.bin" and str(exc).startswith("fuzz.bin: ")
    assert time.perf_counter() - start < 1.0


@pytest.fixture
def seeds(shared_data) -> dict[str, bytes]:
    return _seeds(shared_data)


@pytest.mark.parametrize("kind", ["pmx20", "pmx21", "vmd", "vpd", "pmd"])
def test_every_truncation(kind, seeds):
    data = seeds[kind]
    step = max(1, len(data) // 600)
    for end in range(0, len(data), step):
        _read_or_format_error(data[:end])


def test_truncated_pmx_names_offset_and_section(seeds):
    data = seeds["pmx20"]
    with pytest.raises(mmd.MMDFormatError) as info:
        mmd.read_bytes(data[: len(data) // 2], "half.pmx")
    assert info.value.section in {"vertices", "faces"} and 0 < info.value.offset <= len(data) // 2


@pytest.mark.parametrize("kind", ["pmx20", "pmx21", "vmd", "vpd", "pmd"])
@FUZZ
@given(data=st.data())
def test_random_byte_flips(kind, seeds, data):
    raw = bytearray(seeds[kind])
    for _ in range(data.draw(st.integers(1, 8))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    _read_or_format_error(bytes(raw))


@pytest.mark.parametrize("kind", ["pmx20", "pmx21", "vmd", "pmd"])
@FUZZ
@given(data=st.data())
def test_forged_huge_counts(kind, seeds, data):
    raw = bytearray(seeds[kind])
    offset = data.draw(st.integers(0, len(raw) - 4))
    struct.pack_into("<i", raw, offset, data.draw(st.sampled_from([2**31 - 1, -1, 2**30, 65536])))
    _read_or_format_error(bytes(raw))


@FUZZ
@given(
    magic=st.sampled_from(
        [b"PMX ", b"Pmd", b"Vocaloid Motion Data", b"Vocaloid Pose Data file", b""]
    ),
    tail=st.binary(max_size=400),
)
def test_random_bytes_after_magic(magic, tail):
    _read_or_format_error(magic + tail)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"PMX \x00\x00\x40\x40\x08" + bytes(8), "unsupported PMX version 3.0"),
        (b"PMX \x00\x00\x00\x40\x08\x00\x00\x03" + bytes(5), "index size 3"),
        (b"GIF89a", "unknown file type"),
        (b"Vocaloid Motion Data 0003" + bytes(40), "not a VMD file"),
    ],
)
def test_clear_messages(data, match):
    with pytest.raises(mmd.MMDFormatError, match=match):
        mmd.read_bytes(data, "x")


def test_out_of_range_face_index(seeds):
    model = mmd.read_bytes(seeds["pmx21"])
    model.faces[0, 0] = len(model.positions)
    with pytest.raises(mmd.MMDFormatError, match="vertex index"):
        mmd.read_bytes(pmx_bytes(model), "x.pmx")
