# SPDX-License-Identifier: GPL-3.0-or-later
"""The headless job behind ``render.py``: argument parsing, scene loading, the shot pipeline."""

import argparse
import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ENGINES = {"eevee": "BLENDER_EEVEE", "cycles": "CYCLES", "workbench": "BLENDER_WORKBENCH"}


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
    parser.add_argument("--engine", choices=sorted(ENGINES), help="default: the scene's engine")
    parser.add_argument("--resolution", type=_resolution, help="WxH in pixels")
    parser.add_argument("--style", default="default", help="style pack file, 'default' or 'none'")
    parser.add_argument("--look", help="toon look applied to every MMD model before rendering")
    parser.add_argument("--no-temporal", action="store_true", help="no motion-vector blending")
    parser.add_argument("--demo", action="store_true", help="no scene: the built-in demo shot")
    parser.add_argument("--pose", default="standing", help="library pose of the --demo mannequin")
    parser.add_argument(
        "--character", help="--demo puppet: a built-in character (a preset name or seed:N)"
    )
    parser.add_argument("--storyboard", action="store_true", help="also write a storyboard sheet")
    parser.add_argument("--paper", choices=["A4", "B4"], default="A4", help="storyboard paper")
    parser.add_argument(
        "--dataset", type=int, metavar="N", help="write N random training layouts instead"
    )
    parser.add_argument("--seed", type=int, default=0, help="--dataset random seed (default 0)")
    parser.add_argument("--model", help="--dataset puppet: a PMX/PMD file (default: the mannequin)")
    parser.add_argument(
        "--characters",
        metavar="random|NAME,...",
        help="--dataset puppets: a built-in character per sample, random or from these presets",
    )
    parser.add_argument(
        "--samples", type=int, help="render samples (default: 4 for --dataset, at most 16 else)"
    )
    parser.add_argument(
        "--lines",
        action="store_true",
        help="Freestyle line work in the look's line color (slow: a final-quality render)",
    )
    parser.add_argument(
        "--motion",
        action="append",
        metavar="VMD",
        help="--dataset poses: random frames of this VMD motion (repeatable; default: the "
        "pose library)",
    )
    return parser


def _log(message: str) -> None:
    print(f"mmd2anime: {message}", flush=True)


def _open_scene(path: str) -> None:
    import bpy

    blend = Path(path)
    if not blend.is_file():
        raise FileNotFoundError(f"{blend}: no such .blend file")
    try:
        bpy.ops.wm.open_mainfile(filepath=str(blend.resolve()), load_ui=False)
    except RuntimeError as exc:
        raise RuntimeError(f"{blend}: cannot open ({str(exc).strip().splitlines()[-1]})") from None


@contextlib.contextmanager
def _timed(timings: dict, step: str) -> Iterator[None]:
    """Add the seconds the block takes to ``timings[step]``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[step] = timings.get(step, 0.0) + time.perf_counter() - start


def _apply_look(scene, name: str) -> dict:
    """Apply a toon look to every MMD model of the scene (the .blend is never saved)."""
    from .armatures import mmd_armatures
    from .shaders.apply import apply_look, look_targets, user_looks_dir
    from .shaders.looks import load_look

    look = load_look(name, user_looks_dir())
    apply_look(look_targets(mmd_armatures(scene)), look, scene)
    return look


def run(args: argparse.Namespace) -> dict:
    import bpy

    out = Path(args.out).resolve()
    timings: dict[str, float] = {}
    written: list[str] = []
    if args.dataset is not None:
        from .layout.dataset import CharacterPuppets, model_puppet, motion_poses, write_dataset

        size = args.resolution or (256, 256)
        with _timed(timings, "dataset"):
            extra = {"engine": ENGINES[args.engine]} if args.engine else {}
            if args.model:
                extra["build_puppet"] = model_puppet(args.model)
            if args.characters:
                extra["characters"] = CharacterPuppets(args.characters, args.seed)
            if args.motion:
                extra["poses"] = motion_poses(args.motion, args.seed)
            if args.samples:
                extra["samples"] = args.samples
            if args.lines:
                extra["lines"] = True
            manifest = write_dataset(
                out, args.dataset, seed=args.seed, size=size, look=args.look, **extra
            )
        written.append(str(out / "manifest.json"))
        return {"written": written, "timings": timings, "frames": len(manifest["frames"])}

    with _timed(timings, "scene"):
        if args.demo:
            from .demo_scene import build_demo_shot

            bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
            scene = bpy.context.scene
            scene.render.resolution_x, scene.render.resolution_y = args.resolution or (512, 512)
            scene.render.resolution_percentage = 100
            scene.render.engine = ENGINES[args.engine or "cycles"]
            build_demo_shot(scene, args.pose, args.character)
        elif args.scene:
            _open_scene(args.scene)
        scene = bpy.context.scene
        if scene.camera is None:
            raise RuntimeError(f"scene {scene.name!r} has no camera: add one and make it active")
        if args.engine:
            scene.render.engine = ENGINES[args.engine]
        if args.resolution:
            scene.render.resolution_x, scene.render.resolution_y = args.resolution
            scene.render.resolution_percentage = 100
        if args.samples:  # a final-quality render, e.g. a style pack's target
            scene.cycles.samples = scene.eevee.taa_render_samples = args.samples
        elif scene.render.engine == "CYCLES":
            scene.cycles.samples = min(scene.cycles.samples, 16)
    look = None
    if args.look:
        with _timed(timings, "look"):
            look = _apply_look(scene, args.look)
    if args.lines:
        from .shaders.freestyle_lines import enable_lines

        enable_lines(scene, look)

    from .shot import ShotSettings, run_shot

    first, last = args.frames or (scene.frame_current, scene.frame_current)
    settings = ShotSettings(
        out_dir=out,
        frames=list(range(first, last + 1)),
        style=None if args.style == "none" else args.style,
        temporal=not args.no_temporal,
        look=look,
    )
    with _timed(timings, "shot"):
        manifest = run_shot(scene, settings)
    for warning in manifest["warnings"]:
        _log(f"warning: {warning}")
    for frame in manifest["frames"]:
        written += [str(out / f) for f in frame["files"]]
        for step, seconds in frame["seconds"].items():
            timings[step] = timings.get(step, 0.0) + seconds
    written.append(str(out / "manifest.json"))
    if args.storyboard or args.demo:
        from .storyboard.export import export_storyboard

        with _timed(timings, "storyboard"):
            if look is None:  # panels in the storyboard look: lines and two greys on white
                _apply_look(scene, "storyboard")
            written += [str(p) for p in export_storyboard(scene, out / "storyboard",
                                                            paper=args.paper)]  # fmt: skip
    return {"written": written, "timings": timings, "frames": len(manifest["frames"])}


def _check_characters(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """--character / --characters: known names (exit 2 listing them), with the right mode."""
    if args.character and not args.demo:
        parser.error("--character chooses the --demo puppet")
    if args.characters and args.dataset is None:
        parser.error("--characters chooses the puppets of --dataset")
    if args.characters and args.model:
        parser.error("--characters and --model both choose the puppet: pass one")
    from .mmd.characters import PRESETS, SEED_PREFIX

    names = [args.character] if args.character else []
    if args.characters and args.characters != "random":
        names += [n.strip() for n in args.characters.split(",")]
    for name in names:
        if name not in PRESETS and not name.startswith(SEED_PREFIX):
            parser.error(
                f"unknown character {name!r}; the presets: {', '.join(PRESETS)}"
                + (" (or seed:N)" if args.character else " (or 'random')")
            )
        if name.startswith(SEED_PREFIX) and (
            args.characters or not name[len(SEED_PREFIX) :].lstrip("-").isdigit()
        ):
            parser.error(f"{name!r}: seed:N takes an integer N, and only with --character")


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exits with code 2 on bad arguments
    if args.demo and args.scene:
        parser.error("--demo builds its own scene; do not pass a .blend as well")
    if (args.model or args.motion) and args.dataset is None:
        parser.error("--model and --motion choose the puppet and poses of --dataset")
    _check_characters(parser, args)
    if args.style != "none":
        from .shot import resolve_style

        try:
            resolve_style(args.style)
        except FileNotFoundError as exc:
            parser.error(f"--style: {exc}")
    try:
        result = run(args)
    except Exception as exc:  # one clear line for the user, not a traceback
        print(f"render.py: error: {exc}", file=sys.stderr)
        return 1
    for path in result["written"]:
        _log(f"wrote {path}")
    _log(f"{result['frames']} frame(s); seconds per step:")
    for step, seconds in result["timings"].items():
        _log(f"  {step}: {seconds:.2f}")
    return 0
