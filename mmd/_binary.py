# SPDX-License-Identifier: GPL-3.0-or-later
"""Bounds-checked little-endian cursor shared by the binary readers (no bpy)."""

from __future__ import annotations

import struct

import numpy as np

from .errors import MMDFormatError

_STRUCTS: dict[str, struct.Struct] = {}


def _struct(fmt: str) -> struct.Struct:
    s = _STRUCTS.get(fmt)
    if s is None:
        s = _STRUCTS[fmt] = struct.Struct("<" + fmt)
    return s


class Cursor:
    """Reads a bytes buffer front to back; every read checks the bytes left first, so a
    truncated file or a forged count fails with MMDFormatError before anything is allocated."""

    def __init__(self, data: bytes, path: str) -> None:
        self.data = data
        self.view = memoryview(data)
        self.pos = 0
        self.path = str(path)
        self.section = "header"

    @property
    def left(self) -> int:
        return len(self.data) - self.pos

    def fail(self, message: str, offset: int | None = None) -> MMDFormatError:
        return MMDFormatError(
            self.path, self.section, self.pos if offset is None else offset, message
        )

    def need(self, size: int, what: str = "data") -> None:
        if size < 0 or size > self.left:
            raise self.fail(f"truncated: {what} needs {size} bytes, {self.left} left")

    def unpack(self, fmt: str) -> tuple:
        s = _struct(fmt)
        self.need(s.size, fmt)
        values = s.unpack_from(self.data, self.pos)
        self.pos += s.size
        return values

    def one(self, fmt: str):
        return self.unpack(fmt)[0]

    def vec(self, n: int) -> tuple[float, ...]:
        return self.unpack(f"{n}f")

    def raw(self, size: int) -> bytes:
        self.need(size)
        out = self.data[self.pos : self.pos + size]
        self.pos += size
        return out

    def count(self, fmt: str, min_item_size: int, what: str) -> int:
        """A record count, rejected unless that many records of at least min_item_size fit."""
        start = self.pos
        n = self.one(fmt)
        if n < 0 or n * min_item_size > self.left:
            raise self.fail(f"{what} count {n} does not fit in the {self.left} bytes left", start)
        return n

    def array(self, dtype: np.dtype | str, n: int) -> np.ndarray:
        dtype = np.dtype(dtype)
        self.need(n * dtype.itemsize, f"{n} x {dtype}")
        out = np.frombuffer(self.data, dtype, n, self.pos)
        self.pos += n * dtype.itemsize
        return out

    def sjis(self, size: int) -> str:
        return decode_sjis(self.raw(size))


def decode_sjis(raw: bytes) -> str:
    """A NUL-terminated Shift-JIS field: cut at the first NUL, drop a cut multibyte tail."""
    raw = raw.split(b"\0", 1)[0]
    try:
        return raw.decode("cp932")
    except UnicodeDecodeError:
        try:
            return raw[:-1].decode("cp932") if raw else ""
        except UnicodeDecodeError:
            return raw.decode("cp932", errors="replace")


def encode_sjis(text: str, size: int) -> bytes:
    """Shift-JIS bytes for a fixed field, cut on a character boundary, NUL padded."""
    out = b""
    for ch in text:
        b = ch.encode("cp932", errors="replace")
        if len(out) + len(b) > size:
            break
        out += b
    return out.ljust(size, b"\0")
