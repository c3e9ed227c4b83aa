# SPDX-License-Identifier: GPL-3.0-or-later
"""MMD file formats without bpy: ``read(path)`` picks the reader from the file's magic bytes."""

from __future__ import annotations

from pathlib import Path

from .errors import MMDFormatError
from .model import Model, Motion, Pose


def read_bytes(data: bytes, path: str | Path = "<bytes>") -> Model | Motion | Pose:
    """Model (PMX/PMD), Motion (VMD) or Pose (VPD) from a file's bytes, chosen by content."""
    from . import pmd, pmx, vmd, vpd

    if data.startswith(pmx.MAGIC):
        return pmx.read_pmx(data, path)
    if data.startswith(pmd.MAGIC):
        return pmd.read_pmd(data, path)
    if data.startswith(vpd.MAGIC):
        return vpd.read_vpd(data, path)
    if data.startswith(vmd.MAGIC):
        return vmd.read_vmd(data, path)
    raise MMDFormatError(str(path), "header", 0, "unknown file type (not PMX, PMD, VMD or VPD)")


def read(path: str | Path) -> Model | Motion | Pose:
    """Read an MMD file; raises MMDFormatError for invalid content, OSError if unreadable."""
    return read_bytes(Path(path).read_bytes(), path)


__all__ = ["MMDFormatError", "Model", "Motion", "Pose", "read", "read_bytes"]
