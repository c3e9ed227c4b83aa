# SPDX-License-Identifier: GPL-3.0-or-later
"""FrameBundle: the one hand-off between the scene side (layout/) and the neural side (neural/).

bpy-free. Version 1 fields, all images H x W, row 0 = top, float32:

============== ============ ==========================================================
field          shape        meaning
============== ============ ==========================================================
color          H, W, 3      toon color, linear (scene-referred), or None
alpha          H, W         coverage 0..1 (1 = character/props, 0 = background)
depth          H, W         distance along the camera's view axis, scene units;
                            background = +inf
normal         H, W, 3      camera-space unit normals (x right, y up, z toward the
                            camera); background = 0
motion_prev    H, W, 2      pixel offset (dx right, dy down) from each pixel to where it
                            was on the previous frame; None where the engine has none
motion_next    H, W, 2      the same towards the next frame
albedo         H, W, 3      unlit surface color, linear: diffuse color + emission (a toon
                            look's painted color); None where the engine has none (and
                            in bundles written before it)
keypoints      P, 18, 2     OpenPose/COCO-18 pixel coordinates (x, y), origin at the
                            top-left pixel corner; NaN where the bone is missing
visibility     P, 18        uint8: 0 missing, 1 occluded, 2 visible (COCO convention)
edges          H, W         0..1: the visible silhouette, border and crease edges of the
                            render's meshes, drawn 1 px wide (where Freestyle would ink;
                            ``layout.edges``); None in bundles written before it
hair           H, W         0..1 where a look's toon materials mark hair (the shader
                            AOV ``mmd2anime_hair``), for the photography pass's halo;
                            None without a look (and in bundles written before it)
============== ============ ==========================================================

Metadata: ``people`` (armature name per person), ``frame``, ``engine``, ``camera`` (a
JSON-able dict: name, type, lens, sensor, clip, matrix_world, ...), ``light``: the unit
direction toward the key light that toon shading steps on, in the normals' camera space
(x, y, z), or None (plain frames, and bundles written before it).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

BUNDLE_VERSION = 1
KEYPOINT_NAMES = (
    "nose", "neck", "r_shoulder", "r_elbow", "r_wrist", "l_shoulder", "l_elbow", "l_wrist",
    "r_hip", "r_knee", "r_ankle", "l_hip", "l_knee", "l_ankle", "r_eye", "l_eye", "r_ear",
    "l_ear",
)  # fmt: skip
IMAGE_FIELDS = (
    "color", "alpha", "depth", "normal", "motion_prev", "motion_next", "albedo", "edges",
)  # fmt: skip
# Masks for the photography pass, not stylizer inputs: outside IMAGE_FIELDS and ``present``.
MASK_FIELDS = ("hair",)
_CHANNELS = {"color": 3, "alpha": None, "depth": None, "normal": 3, "motion_prev": 2,
             "motion_next": 2, "albedo": 3, "edges": None, "hair": None}  # fmt: skip


@dataclass
class FrameBundle:
    width: int
    height: int
    color: np.ndarray | None = None
    alpha: np.ndarray | None = None
    depth: np.ndarray | None = None
    normal: np.ndarray | None = None
    motion_prev: np.ndarray | None = None
    motion_next: np.ndarray | None = None
    albedo: np.ndarray | None = None
    edges: np.ndarray | None = None
    hair: np.ndarray | None = None
    keypoints: np.ndarray = field(default_factory=lambda: np.zeros((0, 18, 2), np.float32))
    visibility: np.ndarray = field(default_factory=lambda: np.zeros((0, 18), np.uint8))
    people: list[str] = field(default_factory=list)
    frame: int = 0
    engine: str = ""
    camera: dict = field(default_factory=dict)
    light: list[float] | None = None
    version: int = BUNDLE_VERSION

    def validate(self) -> None:
        """Raise ValueError when a field breaks the documented shapes and dtypes."""
        for name in IMAGE_FIELDS + MASK_FIELDS:
            array = getattr(self, name)
            if array is None:
                continue
            channels = _CHANNELS[name]
            shape = (self.height, self.width) + ((channels,) if channels else ())
            if array.shape != shape or array.dtype != np.float32:
                raise ValueError(
                    f"FrameBundle.{name}: expected float32 {shape}, got {array.dtype} {array.shape}"
                )
        if self.light is not None and (len(self.light) != 3 or not np.isfinite(self.light).all()):
            raise ValueError(f"FrameBundle.light: expected 3 finite numbers, got {self.light}")
        people = len(self.people)
        if self.keypoints.shape != (people, 18, 2) or self.visibility.shape != (people, 18):
            raise ValueError(
                f"FrameBundle keypoints for {people} people: got {self.keypoints.shape} "
                f"and visibility {self.visibility.shape}"
            )

    @property
    def present(self) -> dict[str, bool]:
        """Which image fields hold data (the stylizer's presence masks)."""
        return {name: getattr(self, name) is not None for name in IMAGE_FIELDS}

    def metadata(self) -> dict:
        return {
            "version": self.version,
            "width": self.width,
            "height": self.height,
            "frame": self.frame,
            "engine": self.engine,
            "people": list(self.people),
            "camera": self.camera,
            "light": self.light,
        }

    def save(self, path: str | Path) -> Path:
        """Write ``<path>.npz`` (arrays) beside ``<path>.json`` (metadata); returns the npz."""
        path = Path(path)
        fields = IMAGE_FIELDS + MASK_FIELDS
        arrays = {n: getattr(self, n) for n in fields if getattr(self, n) is not None}
        npz = path.with_suffix(".npz")
        np.savez_compressed(npz, keypoints=self.keypoints, visibility=self.visibility, **arrays)
        path.with_suffix(".json").write_text(json.dumps(self.metadata(), indent=1))
        return npz

    @classmethod
    def load(cls, path: str | Path, skip: Sequence[str] = ()) -> FrameBundle:
        """Read ``<path>.json`` and ``<path>.npz``; the image fields in ``skip`` stay None
        (never decompressed: the stylizer reads no motion_next, for one)."""
        path = Path(path)
        meta_path = path.with_suffix(".json")
        try:
            meta = json.loads(meta_path.read_text())
            version = int(meta["version"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{meta_path}: not a FrameBundle metadata file ({exc})") from None
        if version > BUNDLE_VERSION:
            raise ValueError(
                f"{meta_path}: FrameBundle version {version} is newer than this "
                f"mmd2anime understands ({BUNDLE_VERSION})"
            )
        try:
            with np.load(path.with_suffix(".npz"), allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files if k not in skip}
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            raise ValueError(
                f"{path.with_suffix('.npz')}: unreadable FrameBundle ({exc})"
            ) from None
        bundle = cls(
            width=int(meta["width"]),
            height=int(meta["height"]),
            frame=int(meta.get("frame", 0)),
            engine=str(meta.get("engine", "")),
            people=list(meta.get("people", [])),
            camera=dict(meta.get("camera", {})),
            light=_light(meta.get("light"), meta_path),
            **arrays,
        )
        bundle.validate()
        return bundle


def _light(value, meta_path: Path) -> list[float] | None:
    if value is None:
        return None
    try:
        return [float(v) for v in value]
    except (TypeError, ValueError):
        raise ValueError(f"{meta_path}: light is not a direction ({value!r})") from None
