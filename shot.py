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

PACKS_DIR = Path(__file__).resolve().parent / "neural" / "packs"
# The shipped packs in order of preference for "default"; the untrained one keeps the
# pipeline running until trained packs exist.
DEFAULT_PACKS = ("pastel.safetensors", "vivid.safetensors", "initialized.safetensors")


def resolve_style(style: str, search_dirs: tuple[Path, ...] = ()) -> Path:
    """A style pack from a path or a name (looked up in ``search_dirs`` and the shipped
    packs); "default" is the best shipped pack."""
    if style == "default":
        for name in DEFAULT_PACKS:
            if (PACKS_DIR / name).is_file():
                return PACKS_DIR / name
        raise FileNotFoundError(f"no style pack shipped in {PACKS_DIR}")
    path = Path(style)
    if path.is_file():
        return path
    for folder in (*search_dirs, PACKS_DIR):
        candidate = Path(folder) / f"{style}.safetensors"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{style}: no such style pack")


def domain_warning(pack_meta: dict, look: dict | None) -> str | None:
    """A warning when the shot's renders differ from what the pack learned from: a pack
    trained on plain renders paints a frame in a toon look badly (often flooded white)."""
    data = pack_meta.get("training", {}).get("data", {})
    if data.get("source_kind") != "layouts" or "source_look" not in data:
        return None  # untrained, anime2anime, or a pack from before this was recorded
    trained, applied = data["source_look"], look["name"] if look else None
    if trained == applied:
        return None
    learned = f"renders in the look {trained!r}" if trained else "plain renders"
    scene = f"has the look {applied!r} applied" if applied else "has no look applied"
    remedy = f"apply the look {trained!r}" if trained else "revert the look"
    return (
        f"style pack {pack_meta.get('name', '?')!r} learned from {learned}, but the scene "
        f"{scene}: {remedy} for the pictures the pack was made for"
    )


@dataclass
class ShotSettings:
    out_dir: Path
    frames: list[int]
    style: str | None = "default"  # a pack path, "default", or None for no stylization
    temporal: bool = True
    keep_passes: bool = True
    device: str = "auto"
    look: dict | None = None  # an applied look: its background and photography pass
    pack_dirs: tuple[Path, ...] = ()  # user folders searched for packs given by name


@dataclass
class FrameResult:
    frame: int
    image: np.ndarray | None  # H x W x 3 float32 linear, None when not stylized
    files: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


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
        self.camera: dict | None = None
        self.warnings: list[str] = []
        self.layout_dir = settings.out_dir / "layout"
        self.stylized_dir = settings.out_dir / "stylized"
        settings.out_dir.mkdir(parents=True, exist_ok=True)
        if settings.keep_passes:
            self.layout_dir.mkdir(exist_ok=True)
        if settings.style:
            self.stylized_dir.mkdir(exist_ok=True)

    def load_stylizer(self) -> None:
        """Load the style pack once (torch); any thread."""
        if self.settings.style is None or self.stylizer is not None:
            return
        from .neural.stylize import Stylizer

        self.stylizer = Stylizer(
            resolve_style(self.settings.style, self.settings.pack_dirs), device=self.settings.device
        )
        warning = domain_warning(self.stylizer.meta, self.settings.look)
        if warning:
            self.warnings.append(warning)

    def render_layout(self, frame: int) -> tuple[FrameBundle, float]:
        """Main thread: the frame's FrameBundle from one render (its EXR kept if asked)."""
        from .layout.outputs import available_passes
        from .layout.passes import render_bundle

        t0 = time.perf_counter()
        self.scene.frame_set(frame)
        look = self.settings.look
        if look is not None:
            from .shaders.toon import set_light_direction

            set_light_direction(self.scene)  # the key light may move during the shot
        keep = self.layout_dir / f"{frame:06d}.exr" if self.settings.keep_passes else None
        passes = available_passes(self.scene)
        if keep is None and self.stylizer is not None:  # the passes the pack does not take
            taken = {"albedo": self.stylizer.albedo, "edges": self.stylizer.edges}
            passes = tuple(p for p in passes if taken.get(p, True))
        bundle = render_bundle(self.scene, passes=passes, keep_exr=keep)
        if look is not None and bundle.color is not None:
            from .shaders.photography import develop_look

            # A hair-only halo follows the hair the look's materials mark; none marked means
            # no hair in the frame (as in shaders.render_look), not the whole silhouette.
            hair = bundle.hair if bundle.hair is not None else np.zeros_like(bundle.alpha)
            bundle.color = develop_look(bundle.color, bundle.alpha, look, hair)
        return bundle, time.perf_counter() - t0

    def stylize(self, bundle: FrameBundle) -> tuple[np.ndarray | None, float]:
        """Any thread: the stylized frame, temporally blended with the previous one."""
        if self.settings.style is None:
            return None, 0.0
        t0 = time.perf_counter()
        self.load_stylizer()
        image = self.stylizer([bundle], temporal_blend=False)[0]
        if self.settings.temporal and self.previous is not None:
            from .neural import temporal

            prev_bundle, prev_image = self.previous
            strength = self.stylizer.temporal_strength
            image = temporal.stabilize([prev_image, image], [prev_bundle, bundle], strength)[1]
        self.previous = (bundle, image)
        return image, time.perf_counter() - t0

    def finish_frame(
        self, frame: int, bundle: FrameBundle, image: np.ndarray | None, timings: dict
    ) -> FrameResult:
        """Main thread: write the frame's files."""
        from .layout.outputs import write_bundle_files

        t0 = time.perf_counter()
        stem = f"{frame:06d}"
        result = FrameResult(frame, image, seconds=dict(timings))
        if self.settings.keep_passes:
            files, _ = write_bundle_files(bundle, self.layout_dir, stem)
            result.files += [f"layout/{stem}.exr"] + [f"layout/{name}" for name in files.values()]
        if image is not None:
            from .neural.stylize import write_png

            write_png(self.stylized_dir / f"{stem}.png", image)
            result.files.append(f"stylized/{stem}.png")
        result.seconds["write"] = time.perf_counter() - t0
        self.results.append(result)
        if self.camera is None:
            self.camera = bundle.camera  # as the first frame saw it
        return result

    def close(self) -> dict:
        """Main thread: restore the frame and write manifest.json; returns the manifest."""
        self.scene.frame_set(self._saved_frame)
        scene = self.scene
        from .layout.outputs import versions

        manifest = {
            "versions": versions(),
            "scene": scene.name,
            "camera": self.camera,
            "engine": scene.render.engine,
            "resolution": [scene.render.resolution_x, scene.render.resolution_y],
            "resolution_percentage": scene.render.resolution_percentage,
            "style": self.settings.style,
            "temporal": self.settings.temporal,
            "frames": [
                {"frame": r.frame, "files": r.files, "seconds": r.seconds} for r in self.results
            ],
            "seconds_total": time.perf_counter() - self.started,
            "warnings": self.warnings,
        }
        path = self.settings.out_dir / "manifest.json"
        path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
        return manifest


def run_shot(
    scene: bpy.types.Scene,
    settings: ShotSettings,
    on_frame: Callable[[FrameResult, int, int], None] | None = None,
) -> dict:
    """Synchronously stylize the shot's frames; returns the manifest.

    ``on_frame(result, done, total)`` runs after each frame (progress, previews)."""
    runner = ShotRunner(scene, settings)
    try:
        for i, frame in enumerate(settings.frames):
            bundle, t_layout = runner.render_layout(frame)
            image, t_style = runner.stylize(bundle)
            result = runner.finish_frame(
                frame, bundle, image, {"layout": t_layout, "stylize": t_style}
            )
            if on_frame:
                on_frame(result, i + 1, len(settings.frames))
    finally:
        manifest = runner.close()
    return manifest
