# SPDX-License-Identifier: GPL-3.0-or-later
"""The README's cast pictures: every preset in a row, in a look and in the storyboard look.

    .venv/bin/python tools/render_characters.py [--out docs/images] [--engine eevee|cycles]

Writes characters.png (the presets in a look, standing) and characters_storyboard.png
(the storyboard look, each in another library pose), both under 300 KB.
"""

import argparse
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_BYTES = 300_000


def _load_checkout() -> None:
    spec = importlib.util.spec_from_file_location(
        "mmd2anime", ROOT / "__init__.py", submodule_search_locations=[str(ROOT)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["mmd2anime"] = module
    spec.loader.exec_module(module)


def _cast(scene, poses: list[str]) -> list:
    """Every preset side by side (left to right as PRESETS lists them), posed."""
    from mmd2anime.mmd import blender_characters
    from mmd2anime.mmd.characters import PRESETS

    armatures, x = [], 0.0
    for i, name in enumerate(PRESETS):
        armature = blender_characters.add_character(name, collection=scene.collection)
        height = PRESETS[name].body.height * 0.08
        x += 0.28 * height if i else 0.0
        armature.location.x = x
        x += 0.28 * height
        blender_characters.apply_library_pose(armature, poses[i % len(poses)])
        armatures.append(armature)
    return armatures


def _render(scene, armatures, look_name: str, path: Path) -> None:
    import cv2
    import numpy as np

    from mmd2anime.shaders import apply, looks, render_look

    look = looks.load_look(look_name)
    apply.apply_look(apply.look_targets(armatures), look, scene)
    color, alpha = render_look.render_look(scene, look)
    background = np.array(looks.srgb_to_linear(look["background"]), np.float32)
    image = color * alpha[..., None] + background * (1.0 - alpha[..., None])
    srgb = render_look.to_srgb8(np.clip(image, 0.0, 1.0))
    bgr = cv2.cvtColor(srgb, cv2.COLOR_RGB2BGR)
    levels = 256
    while True:  # fewer color levels until the PNG fits the README's budget
        quantized = (bgr // (256 // levels)) * (256 // levels) if levels < 256 else bgr
        ok, data = cv2.imencode(".png", quantized, [cv2.IMWRITE_PNG_COMPRESSION, 9])
        if len(data) <= MAX_BYTES or levels <= 16:
            break
        levels //= 2
    path.write_bytes(data.tobytes())
    print(f"wrote {path} ({len(data) // 1000} KB, {levels} levels per channel)")
    apply.revert_look(apply.look_targets(armatures), scene)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    parser.add_argument("--engine", choices=("eevee", "cycles"), default="cycles")
    parser.add_argument("--look", default="pastel", help="look of characters.png")
    parser.add_argument("--width", type=int, default=1600)
    args = parser.parse_args()
    _load_checkout()
    import bpy
    import numpy as np

    from mmd2anime import demo_scene

    args.out.mkdir(parents=True, exist_ok=True)
    for poses, look, name in (
        (["standing"], args.look, "characters.png"),
        (["walking", "pointing", "sitting", "arms_crossed", "looking_back", "running",
          "kneeling", "standing"], "storyboard", "characters_storyboard.png"),
    ):  # fmt: skip
        bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
        scene = bpy.context.scene
        scene.render.engine = "CYCLES" if args.engine == "cycles" else "BLENDER_EEVEE"
        scene.cycles.samples, scene.cycles.use_denoising = 16, False
        scene.eevee.taa_render_samples = 16
        scene.render.resolution_x, scene.render.resolution_y = args.width, args.width * 3 // 10
        scene.render.resolution_percentage = 100
        armatures = _cast(scene, poses)
        demo_scene.add_key_light(scene)
        scene.world = bpy.data.worlds.new("World")
        scene.world.color = (0.3, 0.3, 0.3)
        points = np.concatenate([demo_scene.bone_heads(a) for a in armatures])
        top = points[:, 2].max()
        points = np.concatenate([points, [[points[0, 0], points[0, 1], top + 0.15]]])
        demo_scene.frame_camera(scene, points, azimuth=12.0, elevation=4.0, lens=85.0,
                                margin=1.08)  # fmt: skip
        _render(scene, armatures, look, args.out / name)


if __name__ == "__main__":
    main()
