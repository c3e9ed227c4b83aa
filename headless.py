# SPDX-License-Identifier: GPL-3.0-or-later
"""The headless job behind ``render.py``: argument parsing, scene loading, the shot pipeline."""

import argparse
import sys
import time
from pathlib import Path

ENGINES = {"eevee": "BLENDER_EEVEE", "cycles": "CYCLES", "workbench": "BLENDER_WORKBENCH"}


class UsageError(Exception):
    """Bad command-line arguments (exit code 2)."""


def _frames(text: str) -> tuple[int, int]:
    try:
        first, _, last = text.partition("-")
        a, b = int(first), int(last or first)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--frames expects A-B or A, got {text!r}") from None
    if b < a:
        raise argparse.ArgumentTypeError(f"--frames range is reversed: {text!r}")
    return a, b


def _resolution(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--resolution expects WxH, got {text!r}") from None
    if not (16 <= w <= 16384 and 16 <= h <= 16384):
        raise argparse.ArgumentTypeError(f"--resolution {text} is outside 16..16384 per side")
    return w, h


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="render.py",
        description="Render MMD shots into layout passes, keypoints and stylized anime frames.",
    )
    parser.add_argument("scene", nargs="?", help=".blend file to render (never overwritten)")
    parser.add_argument("--out", default="out/render", help="output folder (default out/render)")
    parser.add_argument("--frames", type=_frames, help="frame range A-B (default: current frame)")
    parser.add_argument("--engine", choices=sorted(ENGINES), default="workbench")
    parser.add_argument("--resolution", type=_resolution, help="WxH in pixels")
    parser.add_argument("--style", default="default", help="style pack file, 'default' or 'none'")
    parser.add_argument("--look", help="toon look name")
    parser.add_argument("--demo", action="store_true", help="no scene: the built-in demo shot")
    return parser


def _log(message: str) -> None:
    print(f"mmd2anime: {message}", flush=True)


def _open_scene(path: str) -> None:
    import bpy

    blend = Path(path)
    if not blend.is_file():
        raise FileNotFoundError(f"{blend}: no such .blend file")
    bpy.ops.wm.open_mainfile(filepath=str(blend.resolve()), load_ui=False)


def _demo_scene() -> list[str]:
    """A framed camera and a light over a stand-in puppet; returns what is still missing."""
    import bpy

    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    scene = bpy.context.scene
    mesh = bpy.data.meshes.new("stand_in")
    import bmesh

    bm = bmesh.new()
    bmesh.ops.create_uvsphere(bm, u_segments=24, v_segments=12, radius=0.5)
    bm.to_mesh(mesh)
    bm.free()
    obj = bpy.data.objects.new("stand_in", mesh)
    scene.collection.objects.link(obj)
    cam = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    cam.location = (0.0, -3.0, 0.0)
    cam.rotation_euler = (1.5708, 0.0, 0.0)
    scene.collection.objects.link(cam)
    scene.camera = cam
    return [
        "mannequin and pose library (MMD issue)",
        "toon looks",
        "layout passes",
        "neural stylizer",
    ]


def run(args: argparse.Namespace) -> dict:
    import bpy

    out = Path(args.out).resolve()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    missing: list[str] = []
    if args.demo:
        missing = _demo_scene()
    elif args.scene:
        _open_scene(args.scene)
    scene = bpy.context.scene
    timings["scene"] = time.perf_counter() - t0
    if scene.camera is None:
        raise RuntimeError(f"scene {scene.name!r} has no camera: add one and make it active")
    scene.render.engine = ENGINES[args.engine]
    if args.resolution:
        scene.render.resolution_x, scene.render.resolution_y = args.resolution
        scene.render.resolution_percentage = 100
    out.mkdir(parents=True, exist_ok=True)
    t1 = time.perf_counter()
    frame_path = out / "color.png"
    scene.render.filepath = str(frame_path)
    scene.render.image_settings.file_format = "PNG"
    bpy.ops.render.render(write_still=True)
    timings["render"] = time.perf_counter() - t1
    return {"written": [str(frame_path)], "missing": missing, "timings": timings}


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exits with code 2 on bad arguments
    if args.demo and args.scene:
        parser.error("--demo builds its own scene; do not pass a .blend as well")
    try:
        result = run(args)
    except Exception as exc:  # one clear line for the user, not a traceback
        print(f"render.py: error: {exc}", file=sys.stderr)
        return 1
    for path in result["written"]:
        _log(f"wrote {path}")
    for step, seconds in result["timings"].items():
        _log(f"{step}: {seconds:.2f} s")
    for gap in result["missing"]:
        _log(f"not yet available: {gap}")
    return 0
