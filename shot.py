# SPDX-License-Identifier: GPL-3.0-or-later
"""The Stylize-shot job shared by the operator and render.py (scene side, bpy).

Per frame: render the layout once on the main thread (bpy), stylize the FrameBundle (torch;
any thread), then write files on the main thread. ``run_shot`` does this synchronously
(background mode, render.py); the operator drives the same ``ShotRunner`` from a modal timer
with the torch step on a worker thread so the UI never freezes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import bpy
import numpy as np

from .bundle import FrameBundle


@dataclass
class ShotSettings:
    out_dir: Path
    frames: list[int]
    style: str | None = "default"  # a pack path, "default", or None for no stylization
    temporal: bool = True
    keep_passes: bool = True
    device: str = "auto"


@dataclass
class FrameResult:
    frame: int
    image: np.ndarray | None  # H x W x 3 float32 linear, None when not stylized
    files: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def _srgb8(linear: np.ndarray) -> np.ndarray:
    x = np.clip(linear, 0.0, 1.0)
    srgb = np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055)
    return (srgb * 255.0 + 0.5).astype(np.uint8)


def write_png(path: Path, linear_rgb: np.ndarray) -> None:
    import cv2

    if not cv2.imwrite(str(path), _srgb8(linear_rgb)[..., ::-1]):
        raise OSError(f"{path}: could not write the PNG")


class ShotRunner:
    """One shot's job state. Methods marked main-thread touch bpy."""

    def __init__(self, scene: bpy.types.Scene, settings: ShotSettings) -> None:
        if scene.camera is None:
            raise ValueError(f"scene {scene.name!r} has no camera: add one and make it active")
        if not settings.frames:
            raise ValueError("no frames to render")
        self.scene = scene
        self.settings = settings
        self.stylizer = None
        self.previous: tuple[FrameBundle, np.ndarray] | None = None
        self.results: list[FrameResult] = []
        self.started = time.perf_counter()
        self._saved_frame = scene.frame_current
        settings.out_dir.mkdir(parents=True, exist_ok=True)

    def load_stylizer(self) -> None:
        """Load the style pack once (torch); any thread."""
        if self.settings.style is None or self.stylizer is not None:
            return
        from .neural.stylize import Stylizer, default_pack_path

        pack = default_pack_path() if self.settings.style == "default" else self.settings.style
        self.stylizer = Stylizer(pack, device=self.settings.device)

    def render_layout(self, frame: int) -> tuple[FrameBundle, float]:
        """Main thread: the frame's FrameBundle from one render."""
        from .layout.passes import render_bundle

        t0 = time.perf_counter()
        self.scene.frame_set(frame)
        bundle = render_bundle(self.scene)
        return bundle, time.perf_counter() - t0

    def stylize(self, bundle: FrameBundle) -> tuple[np.ndarray | None, float]:
        """Any thread: the stylized frame, temporally blended with the previous one."""
        if self.settings.style is None:
            return None, 0.0
        t0 = time.perf_counter()
        self.load_stylizer()
        image = self.stylizer([bundle])[0]
        if self.settings.temporal and self.previous is not None:
            from .neural.temporal import blend_with_previous

            prev_bundle, prev_image = self.previous
            image = blend_with_previous(image, bundle, prev_image, prev_bundle)
        self.previous = (bundle, image)
        return image, time.perf_counter() - t0

    def finish_frame(
        self, frame: int, bundle: FrameBundle, image: np.ndarray | None, timings: dict
    ) -> FrameResult:
        """Main thread: write the frame's files."""
        t0 = time.perf_counter()
        out = self.settings.out_dir
        result = FrameResult(frame, image, seconds=dict(timings))
        if self.settings.keep_passes:
            from .layout.outputs import write_frame_files

            result.files += [str(p) for p in write_frame_files(bundle, out, frame)]
        if image is not None:
            stylized = out / "stylized"
            stylized.mkdir(exist_ok=True)
            path = stylized / f"frame_{frame:04d}.png"
            write_png(path, image)
            result.files.append(str(path))
        result.seconds["write"] = time.perf_counter() - t0
        self.results.append(result)
        return result

    def close(self) -> dict:
        """Main thread: restore the frame and write manifest.json; returns the manifest."""
        self.scene.frame_set(self._saved_frame)
        scene = self.scene
        manifest = {
            "scene": scene.name,
            "camera": scene.camera.name,
            "engine": scene.render.engine,
            "resolution": [scene.render.resolution_x, scene.render.resolution_y],
            "resolution_percentage": scene.render.resolution_percentage,
            "style": self.settings.style,
            "temporal": self.settings.temporal,
            "blender": bpy.app.version_string,
            "frames": [
                {"frame": r.frame, "files": r.files, "seconds": r.seconds} for r in self.results
            ],
            "seconds_total": time.perf_counter() - self.started,
        }
        path = self.settings.out_dir / "manifest.json"
        path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
        return manifest


def run_shot(
    scene: bpy.types.Scene,
    settings: ShotSettings,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Synchronously stylize the shot's frames; returns the manifest."""
    runner = ShotRunner(scene, settings)
    try:
        for i, frame in enumerate(settings.frames):
            bundle, t_layout = runner.render_layout(frame)
            image, t_style = runner.stylize(bundle)
            runner.finish_frame(frame, bundle, image, {"layout": t_layout, "stylize": t_style})
            if progress:
                progress(i + 1, len(settings.frames))
    finally:
        manifest = runner.close()
    return manifest
