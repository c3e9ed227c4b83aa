# SPDX-License-Identifier: GPL-3.0-or-later
"""Write layout passes for a frame range: EXR, PNG previews, OpenPose image + JSON, bundles.

Per frame ``NNNNNN`` (zero-padded frame number) in ``out_dir``:
``NNNNNN.exr`` (the render's own multilayer EXR: every float pass), ``NNNNNN_color.png``,
``_alpha.png``, ``_depth.png``, ``_normal.png`` (previews, see previews.py),
``_pose.png`` (OpenPose skeleton), ``_pose.json`` (OpenPose JSON), ``_bundle.npz`` +
``_bundle.json`` (FrameBundle.save). One ``manifest.json`` lists them all with versions,
camera, engine, resolution and timings per frame and step.
"""

from __future__ import annotations

import json
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

import bpy
import numpy as np

from ..bundle import FrameBundle
from .camera import camera_metadata, output_size, scene_camera
from .errors import LayoutError
from .openpose import draw_skeleton, openpose_json
from .overrides import Overrides
from .passes import ALL_PASSES, ENGINE_PASSES, render_bundle
from .previews import (
    alpha_preview,
    color_preview,
    depth_preview,
    edges_preview,
    normal_preview,
    write_png,
)

MANIFEST_NAME = "manifest.json"
PREVIEWS = {
    "color": color_preview,
    "alpha": alpha_preview,
    "depth": depth_preview,
    "normal": normal_preview,
    "albedo": color_preview,
    "edges": edges_preview,
}


def package_version() -> str:
    manifest = Path(__file__).resolve().parents[1] / "blender_manifest.toml"
    try:
        return str(tomllib.loads(manifest.read_text())["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def versions() -> dict[str, str]:
    return {
        "mmd2anime": package_version(),
        "blender": bpy.app.version_string,
        "numpy": np.__version__,
    }


def available_passes(scene: bpy.types.Scene) -> tuple[str, ...]:
    """Every layout pass the scene's engine gives with its current settings."""
    available = ENGINE_PASSES.get(scene.render.engine, {"color", "alpha"})
    if scene.render.use_motion_blur:
        available = available - {"motion"}
    return tuple(p for p in ALL_PASSES if p in available)


def write_bundle_files(bundle: FrameBundle, out_dir: Path, stem: str) -> tuple[dict, dict]:
    """Previews, OpenPose image + JSON and the bundle itself; returns (files, timings)."""
    files: dict[str, str] = {}
    timings: dict[str, float] = {}
    start = time.perf_counter()
    for name, preview in PREVIEWS.items():
        array = getattr(bundle, name)
        if array is not None:
            files[name] = write_png(out_dir / f"{stem}_{name}.png", preview(array)).name
    timings["previews"] = time.perf_counter() - start

    start = time.perf_counter()
    skeleton = draw_skeleton(bundle.keypoints, bundle.visibility, bundle.width, bundle.height)
    files["pose"] = write_png(out_dir / f"{stem}_pose.png", skeleton).name
    pose = openpose_json(
        bundle.keypoints, bundle.visibility, bundle.people, bundle.width, bundle.height
    )
    pose_path = out_dir / f"{stem}_pose.json"
    pose_path.write_text(json.dumps(pose))
    files["pose_json"] = pose_path.name
    timings["keypoint_outputs"] = time.perf_counter() - start

    start = time.perf_counter()
    npz = bundle.save(out_dir / f"{stem}_bundle")
    files["bundle"] = npz.name
    files["bundle_json"] = npz.with_suffix(".json").name
    timings["bundle"] = time.perf_counter() - start
    return files, timings


def write_frame(
    scene: bpy.types.Scene,
    out_dir: Path,
    stem: str,
    finish: Callable[[FrameBundle], object] | None = None,
    passes: tuple[str, ...] | None = None,
) -> dict:
    """Render the current frame and write its files; returns its manifest entry.
    ``finish(bundle)`` may change the bundle in place before it is written (a look's
    photography pass). ``passes`` defaults to every pass the engine gives."""
    start = time.perf_counter()
    exr = out_dir / f"{stem}.exr"
    passes = available_passes(scene) if passes is None else passes
    bundle = render_bundle(scene, passes=passes, keep_exr=exr)
    if finish is not None:
        finish(bundle)
    render_seconds = time.perf_counter() - start
    files, timings = write_bundle_files(bundle, out_dir, stem)
    return {
        "frame": bundle.frame,
        "files": {"exr": exr.name, **files},
        "people": bundle.people,
        "passes": [n for n, present in bundle.present.items() if present],
        "timings": {"render": render_seconds, **timings},
    }


class LayoutRun:
    """write_layout one frame at a time, for callers that must stay responsive in between
    (the modal operator renders a frame per step): ``write(frame)`` for each frame, then
    ``finish()`` for the manifest, or ``restore()`` alone to drop the run after an error.
    Both put back the engine override and the scene's current frame."""

    def __init__(
        self,
        scene: bpy.types.Scene,
        out_dir: str | Path,
        frames: range | None = None,
        engine: str | None = None,
    ) -> None:
        if frames is None:
            frames = range(scene.frame_start, scene.frame_end + 1)
        if len(frames) == 0:
            raise LayoutError(f"no frames to write: {frames} is empty")
        scene_camera(scene)  # fail before making anything
        self.scene, self.out_dir, self.frames = scene, Path(out_dir), list(frames)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.entries: list[dict] = []
        self._camera: dict | None = None
        self._original_frame = scene.frame_current
        self._started = time.perf_counter()
        self._overrides = Overrides()
        if engine is not None:
            self._overrides.set(scene.render, "engine", engine)
        self._engine = scene.render.engine
        self._size = output_size(scene)

    def write(self, frame: int) -> dict:
        """Render ``frame`` and write its files; returns its manifest entry."""
        self.scene.frame_set(frame)
        self._camera = self._camera or camera_metadata(self.scene)  # as the first frame saw it
        entry = write_frame(self.scene, self.out_dir, f"{frame:06d}")
        self.entries.append(entry)
        return entry

    def restore(self) -> None:
        self._overrides.restore()
        self.scene.frame_set(self._original_frame)

    def finish(self) -> dict:
        """Restore the scene and write ``manifest.json`` for the frames written."""
        self.restore()
        manifest = {
            "versions": versions(),
            "engine": self._engine,
            "resolution": list(self._size),
            "camera": self._camera,
            "frames": self.entries,
            "total_seconds": time.perf_counter() - self._started,
        }
        (self.out_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1))
        return manifest


def write_layout(
    scene: bpy.types.Scene,
    out_dir: str | Path,
    frames: range | None = None,
    engine: str | None = None,
) -> dict:
    """Write every frame of ``frames`` (default: the scene's range) into ``out_dir``.

    ``engine`` renders with another engine for this run only. Returns the manifest, also
    written as ``out_dir/manifest.json``. The scene's current frame is restored.
    """
    run = LayoutRun(scene, out_dir, frames, engine)
    try:
        for frame in run.frames:
            run.write(frame)
    except BaseException:
        run.restore()
        raise
    return run.finish()
