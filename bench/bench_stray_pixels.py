# SPDX-License-Identifier: GPL-3.0-or-later
"""Stray pixels: what a look paints on the background away from the figure.

A stray pixel is covered (alpha >= 0.25) in the look's render but farther than ``margin``
(8) pixels from the plain render's silhouette, same scene, camera and frame. Outlines are
meant to hug the silhouette, so every look should score 0, in any pose and from any camera.

Run from the repo root: ``.venv/bin/python bench/bench_stray_pixels.py [--size 512]
[--model PMX ...] [--engine cycles|eevee] [--looks NAME ...]``. Without ``--model`` it
measures the shared 初音ミク.pmx (when ``../shared/data`` is there) and the built-in
mannequin, at rest, in three library poses and at two frames of a VMD motion (library_motion), from 9 cameras (azimuth
0/90/160, distance x1/x2/x4 of the framing distance). Per model, pose and look it prints a
Markdown row: the stray pixel total over the cameras, the worst camera and how far (px,
99th percentile) the look's coverage reaches beyond the silhouette, i.e. the line width.
The functions are also used by tests/test_outline*.py.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
from checkout import ROOT, load_checkout

SHARED = ROOT.parent / "shared" / "data"
MIKU = SHARED / "mmd-samples" / "初音ミク.pmx"
# The shared VMDs (babylon-mmd's physics toggle tests) key bones the shared model lacks or
# barely turns; so the motion is written here: library poses as VMD keys, 30 frames apart,
# and read back through our VMD reader and motion import, at frames between the keys.
MOTION_KEYS = ("walking", "arms_crossed", "running")
MOTION_FRAMES = (15, 45)
POSES = ("walking", "sitting", "arms_crossed")
ALPHA_COVERED = 0.25
CHARACTER = "character:"  # --model character:NAME: one of our built characters


def stray_mask(plain_alpha: np.ndarray, look_alpha: np.ndarray, margin: int = 8) -> np.ndarray:
    """Pixels covered in the look's render farther than ``margin`` px from the plain figure."""
    import cv2

    figure = (plain_alpha >= ALPHA_COVERED).astype(np.uint8)
    if not figure.any():
        return look_alpha >= ALPHA_COVERED
    # Distance of every pixel to the nearest figure pixel.
    distance = cv2.distanceTransform(1 - figure, cv2.DIST_L2, 5)
    return (look_alpha >= ALPHA_COVERED) & (distance > margin)


def stray_pixels(plain_alpha: np.ndarray, look_alpha: np.ndarray, margin: int = 8) -> int:
    """How many stray pixels (see stray_mask)."""
    return int(stray_mask(plain_alpha, look_alpha, margin).sum())


def line_reach(plain_alpha: np.ndarray, look_alpha: np.ndarray) -> float:
    """How far (px) the look's coverage reaches beyond the plain silhouette, 99th percentile."""
    import cv2

    figure = (plain_alpha >= ALPHA_COVERED).astype(np.uint8)
    outside = (look_alpha >= ALPHA_COVERED) & (figure == 0)
    if not outside.any():
        return 0.0
    distance = cv2.distanceTransform(1 - figure, cv2.DIST_L2, 5)
    return float(np.percentile(distance[outside], 99))


def setup_render(scene, size: int, engine: str = "cycles") -> None:
    """Small, fast, flat renders: CPU Cycles with 1 sample and no filter, or EEVEE."""
    scene.render.resolution_x = scene.render.resolution_y = size
    scene.render.resolution_percentage = 100
    scene.render.threads_mode = "FIXED"
    scene.render.threads = 2
    if engine == "eevee":
        scene.render.engine = "BLENDER_EEVEE"
        scene.eevee.taa_render_samples = 4
        return
    scene.render.engine = "CYCLES"
    scene.cycles.device = "CPU"
    scene.cycles.samples = 1
    scene.cycles.use_denoising = False
    scene.cycles.use_adaptive_sampling = False
    scene.cycles.filter_width = 0.01


def import_figure(scene, path: Path | None):
    """The model file's armature (the mannequin when ``path`` is None, one of our characters
    for ``character:NAME``), with a sun."""
    import bpy

    from mmd2anime import mmd
    from mmd2anime.mmd import blender_import
    from mmd2anime.mmd.mannequin import mannequin_model

    if str(path).startswith(CHARACTER):
        from mmd2anime.mmd.blender_characters import add_character

        armature = add_character(str(path)[len(CHARACTER) :])
    else:
        model = mannequin_model() if path is None else mmd.read(path)
        texture_dir = None if path is None else str(Path(path).parent)
        armature = blender_import.import_model(model, texture_dir=texture_dir, warnings=[])
    sun = bpy.data.objects.new("Sun", bpy.data.lights.new("Sun", "SUN"))
    sun.data.energy = 3.0
    sun.rotation_euler = (0.9, 0.0, -0.6)
    scene.collection.objects.link(sun)
    return armature


def pose_cases(motions: bool = True) -> list[tuple[str, object]]:
    """(label, what to do to the armature) for rest, library poses and VMD frames."""
    from mmd2anime import mmd
    from mmd2anime.mmd import blender_import, pose_library

    def rest(armature):
        blender_import.apply_pose(armature, mmd.Pose("rest", {}, {}))

    cases = [("rest", rest)]
    for name in POSES:
        pose = pose_library.get_pose(name)
        cases.append((name, lambda a, p=pose: blender_import.apply_pose(a, p)))
    if motions:
        path = library_motion()
        for frame in MOTION_FRAMES:
            cases.append((f"motion@{frame}", _motion_case(path, frame)))
    return cases


def library_motion() -> Path:
    """A VMD file (in the temp folder) keying MOTION_KEYS at frames 0, 30, 60."""
    import tempfile

    from mmd2anime import mmd
    from mmd2anime.mmd import pose_library
    from mmd2anime.mmd.vmd import write_vmd

    poses = [pose_library.get_pose(name) for name in MOTION_KEYS]
    names = sorted({name for pose in poses for name in pose.bones})
    linear = np.tile(np.array([20, 20, 107, 107], np.uint8), (len(poses), 4, 1))
    tracks = {}
    for name in names:
        keys = [pose.bones.get(name, mmd.model.BoneKey()) for pose in poses]
        tracks[name] = mmd.model.BoneTrack(
            frames=np.arange(len(poses), dtype=np.int32) * 30,
            translations=np.array([k.translation for k in keys], np.float32),
            rotations=np.array([k.rotation for k in keys], np.float32),
            interpolation=linear,
        )
    path = Path(tempfile.gettempdir()) / "mmd2anime_library_motion.vmd"
    write_vmd(mmd.Motion(model="mmd2anime", bone_tracks=tracks), path)
    return path


def _motion_case(path: Path, frame: int):
    def pose(armature):
        import bpy

        from mmd2anime import mmd
        from mmd2anime.mmd import blender_import

        blender_import.apply_pose(armature, mmd.Pose("rest", {}, {}))
        if armature.animation_data is not None:
            armature.animation_data.action = None
        blender_import.apply_motion(armature, mmd.read(path), frame_offset=0)
        bpy.context.scene.frame_set(frame)

    return pose


def camera_views(scene, armature, specs) -> list[tuple]:
    """Camera placements (location, rotation, clip end) per (azimuth, distance factor), framed
    on the plain figure: framing a figure that wears a look would frame its hull too."""
    views = []
    for azimuth, factor in specs:
        camera = frame_figure(scene, armature, azimuth, factor)
        views.append((camera.location.copy(), camera.rotation_quaternion.copy(),
                      camera.data.clip_start, camera.data.clip_end))  # fmt: skip
    return views


def set_view(scene, view: tuple) -> None:
    camera = scene.camera
    camera.location, camera.rotation_quaternion = view[0], view[1]
    camera.data.clip_start, camera.data.clip_end = view[2], view[3]


def frame_figure(scene, armature, azimuth: float, distance_factor: float, lens: float = 50.0):
    """Aim the camera at the posed figure; ``distance_factor`` > 1 moves it back."""
    import bpy

    from mmd2anime.demo_scene import frame_camera

    bpy.context.view_layer.update()
    depsgraph = bpy.context.evaluated_depsgraph_get()
    points = []
    for obj in armature.children:
        if obj.type == "MESH":
            evaluated = obj.evaluated_get(depsgraph)
            mesh = evaluated.to_mesh()
            co = np.empty(len(mesh.vertices) * 3, np.float32)
            mesh.vertices.foreach_get("co", co)
            matrix = np.array(obj.matrix_world)
            co = co.reshape(-1, 3) @ matrix[:3, :3].T + matrix[:3, 3]
            points.append(co)
            evaluated.to_mesh_clear()
    points = np.concatenate(points)
    camera = frame_camera(scene, points, azimuth=azimuth, elevation=8.0, lens=lens,
                          camera=scene.camera)  # fmt: skip
    if distance_factor != 1.0:
        center = np.array(camera.location)  # push back along the view axis
        forward = np.array(camera.rotation_quaternion.to_matrix().col[2])  # +Z points back
        extent = float(np.linalg.norm(points.max(0) - points.min(0)))
        distance = extent / 2 / math.tan(camera.data.angle / 2)
        camera.location = center + forward * distance * (distance_factor - 1)
        camera.data.clip_end = max(camera.data.clip_end, distance * (distance_factor + 2))
    return camera


def measure(scene, armature, look: dict) -> tuple[int, float, np.ndarray, np.ndarray]:
    """Stray pixels and line reach of ``look`` at the current frame and camera, applied and
    reverted here; also returns the plain and look alpha."""
    from mmd2anime.shaders import apply, render_look

    targets = apply.look_targets([armature])
    plain = render_look.render_rgba(scene)[..., 3]
    apply.apply_look(targets, look, scene)
    try:
        rgba = render_look.render_rgba(scene)
    finally:
        apply.revert_look(targets, scene)
    return stray_pixels(plain, rgba[..., 3]), line_reach(plain, rgba[..., 3]), plain, rgba


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument(
        "--model",
        type=Path,
        action="append",
        help="PMX file, 'mannequin' or 'character:NAME' (repeatable)",
    )
    parser.add_argument("--engine", choices=("cycles", "eevee"), default="cycles")
    parser.add_argument("--looks", nargs="*", help="looks to measure (default: all shipped)")
    args = parser.parse_args()
    load_checkout()
    import bpy

    from mmd2anime.shaders import apply, looks, render_look

    models = [None if str(p) == "mannequin" else p for p in args.model or ()]
    models = models or ([MIKU] if MIKU.is_file() else []) + [None]
    names = args.looks or looks.list_looks()
    cameras = [(az, d) for az in (0.0, 90.0, 160.0) for d in (1.0, 2.0, 4.0)]
    print(f"{args.engine}, {args.size}², stray pixels (> 8 px off the plain silhouette)")
    print("| model | pose | look | cameras | stray total | worst camera | max reach px |")
    print("|---|---|---|---|---|---|---|")
    for path in models:
        label = "mannequin" if path is None else path.name
        for pose_label, pose in pose_cases():
            bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
            scene = bpy.context.scene
            setup_render(scene, args.size, args.engine)
            armature = import_figure(scene, path)
            pose(armature)
            views = dict(zip(cameras, camera_views(scene, armature, cameras), strict=True))
            plain = {}
            for camera in cameras:
                set_view(scene, views[camera])
                plain[camera] = render_look.render_rgba(scene)[..., 3]
            targets = apply.look_targets([armature])
            for name in names:
                apply.apply_look(targets, looks.load_look(name), scene)
                total, worst, reach = 0, ("-", 0), 0.0
                for camera in cameras:  # the hull follows the camera: one apply serves all
                    set_view(scene, views[camera])
                    alpha = render_look.render_rgba(scene)[..., 3]
                    count = stray_pixels(plain[camera], alpha)
                    total += count
                    reach = max(reach, line_reach(plain[camera], alpha))
                    if count > worst[1]:
                        worst = (f"az {camera[0]:.0f} x{camera[1]:.0f}: {count}", count)
                apply.revert_look(targets, scene)
                print(f"| {label} | {pose_label} | {name} | {len(cameras)} | {total} | "
                      f"{worst[0]} | {reach:.1f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
