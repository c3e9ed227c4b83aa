# SPDX-License-Identifier: GPL-3.0-or-later
"""EEVEE render time of a toon look against the plain MMD materials, same scene, same run.

Baseline: the built-in mannequin with our importer's MMD materials (shaders/mmd_material.py:
ambient + diffuse, toon ramp, sphere map, as MMD draws them), framed by the demo camera.
Measured: the same figure with a look applied (toon group + outline hull), then
the photography pass on the rendered pixels. Each variant gets a warm-up render first (EEVEE
compiles its shaders on the first render). Target: toon / plain <= 1.3.

Run from the repo root: ``.venv/bin/python bench/bench_looks.py [--size 512] [--repeat 3]``.
First measured on the stand-in figure against a Principled baseline (2 shared CPU cores,
software GL, 'pastel', 512²): 16 samples ratio 1.03, 64 samples 1.13; current figures are
in bench/README.md.

``--design`` measures instead how each look keeps the design and reads (Cycles, small
renders, each model plain and then in every look and variant): the hue keep (share of the
colored figure pixels within 30° of the plain render's hue; target >= 80 % for the colored
looks' base variant) and the figure's separation from the background (``rim``: silhouette
edge marked within 2 px; ``fill``: median ΔE of the figure from the background; ``lum``:
luminance difference), from ``shaders/look_metrics.py``. Models: the mannequin, the shared
real model when ``../shared/data`` has it, and ``--characters`` of our own cast.
"""

import argparse
import time
from pathlib import Path

from checkout import ROOT, load_checkout

REAL_MODEL = ROOT.parent / "shared" / "data" / "mmd-samples" / "初音ミク.pmx"


def _time_interleaved(bpy, scenes: list[str], repeat: int) -> list[float]:
    """Seconds per render of each scene, renders interleaved so a busy machine (shared CPUs)
    slows both variants alike."""
    for name in scenes:
        bpy.ops.render.render(scene=name)  # warm-up: shader compilation
    totals = [0.0] * len(scenes)
    for _ in range(repeat):
        for i, name in enumerate(scenes):
            start = time.perf_counter()
            bpy.ops.render.render(scene=name)
            totals[i] += time.perf_counter() - start
    return [total / repeat for total in totals]


def _design_models(characters: list[str]) -> list[tuple[str, object]]:
    """(label, builder(scene) -> armature) for each model the design figures cover."""
    from mmd2anime import mmd
    from mmd2anime.demo_scene import add_key_light, bone_heads, build_demo_shot, frame_camera
    from mmd2anime.mmd import blender_import

    def framed(scene, model, texture_dir=None):
        armature = blender_import.import_model(
            model, collection=scene.collection, texture_dir=texture_dir
        )
        add_key_light(scene)
        frame_camera(scene, bone_heads(armature))
        return armature

    models = [("mannequin", lambda scene: build_demo_shot(scene, "standing"))]
    if REAL_MODEL.is_file():
        real = mmd.read(REAL_MODEL)
        models.append(("shared real model", lambda s: framed(s, real, str(REAL_MODEL.parent))))
    else:
        print(f"(no {REAL_MODEL}: the real model is left out)")
    for name in characters:
        models.append((name, lambda s, name=name: build_demo_shot(s, "standing", character=name)))
    return models


def design(args) -> None:
    import bpy
    import numpy as np

    from mmd2anime.shaders import apply, look_metrics, looks, render_look

    shipped = ["storyboard", "lineart", "pastel", "vivid"]
    names = []
    for name in shipped + [n for n in looks.list_looks() if n not in shipped]:
        names.append(name)
        names += [f"{name}:{v}" for v in looks.load_look(name)["variants"] if v != "day"]
    print(
        f"Cycles {args.size}x{args.size}, {args.samples} samples. hue keep: colored figure "
        "pixels within 30 deg of the plain render's hue; rim, fill, lum: separation from "
        "the background"
    )
    sheets: dict[str, list] = {}
    for label, build in _design_models(args.characters):
        bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
        scene = bpy.context.scene
        scene.render.resolution_x = scene.render.resolution_y = args.size
        targets = apply.look_targets([build(scene)])
        scene.render.engine = "CYCLES"
        scene.cycles.samples = args.samples
        scene.cycles.use_denoising = False
        scene.cycles.filter_width = 0.01
        rgba = render_look.render_rgba(scene)
        plain, plain_alpha = render_look.to_srgb8(rgba[..., :3]), rgba[..., 3]
        print(f"\n{label}")
        tiles = [_labelled(plain_on_grey(rgba), "plain")]
        for name in names:
            look = looks.load_look(name)
            apply.apply_look(targets, look, scene)
            color, alpha = render_look.render_look(scene, look)
            image = render_look.to_srgb8(np.clip(color, 0.0, 1.0))
            mask = (plain_alpha > 0.99) & (alpha > 0.99)
            kept, count = look_metrics.hue_keep(plain, image, mask)
            sep = look_metrics.separation(image, alpha, look_metrics.hex8(look["background"]))
            hue = f"{100 * kept:5.1f} % of {count:5d} px" if look["recolor"] < 1 else "(recolor)"
            print(
                f"  {name:16s} hue keep {hue:>20s}  rim {100 * sep['rim']:5.1f} %  "
                f"fill dE {sep['fill']:5.1f}  lum {sep['luminance']:5.1f}"
            )
            if ":" not in name:
                tiles.append(_labelled(image, name))
        apply.revert_look(targets, scene)
        if label != "shared real model":  # its terms: no pictures of it leave this machine
            sheets.setdefault("mannequin" if label == "mannequin" else "characters", []).append(
                np.concatenate(tiles, axis=1)
            )
    if args.sheet:
        import cv2

        for sheet, rows in sheets.items():
            path = Path(args.sheet) / f"looks_{sheet}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            picture = cv2.cvtColor(np.concatenate(rows, axis=0), cv2.COLOR_RGB2BGR)
            cv2.imwrite(str(path), picture, [cv2.IMWRITE_PNG_COMPRESSION, 9])
            print(f"wrote {path}")


def plain_on_grey(rgba):
    """A plain render over mid grey, as sRGB uint8."""
    from mmd2anime.shaders.render_look import to_srgb8

    return to_srgb8(rgba[..., :3] + (1.0 - rgba[..., 3:]) * 0.25)


def _labelled(image, text: str):
    """The tile with its look's name in its top-left corner."""
    import cv2

    tile = image.copy()
    for color, width in (((255, 255, 255), 3), ((0, 0, 0), 1)):
        cv2.putText(tile, text, (6, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, color, width, cv2.LINE_AA)
    return tile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--look", default="pastel")
    parser.add_argument("--samples", type=int, default=16, help="render samples")
    parser.add_argument("--design", action="store_true", help="hue keep and separation instead")
    parser.add_argument(
        "--sheet", metavar="DIR", help="--design: also write contact sheets looks_*.png there"
    )
    parser.add_argument(
        "--characters",
        type=lambda text: [n for n in text.split(",") if n],
        default=["schoolgirl", "twin_tails", "coat_boy"],
        help="--design: our characters to include (comma-separated presets; '' for none)",
    )
    args = parser.parse_args()
    load_checkout()
    if args.design:
        design(args)
        return
    import bpy
    import numpy as np

    from mmd2anime.demo_scene import build_demo_shot
    from mmd2anime.shaders import apply, looks, photography

    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    scene = bpy.context.scene
    scene.render.resolution_x = scene.render.resolution_y = args.size
    build_demo_shot(scene, "pointing")
    scene.render.engine = "BLENDER_EEVEE"
    scene.eevee.taa_render_samples = args.samples
    scene.render.threads_mode = "FIXED"
    scene.render.threads = 2
    # The toon variant is a full copy of the scene, so both stay compiled and can alternate.
    bpy.ops.scene.new(type="FULL_COPY")
    toon_scene = bpy.context.scene
    toon_figure = next(o for o in toon_scene.objects if o.type == "ARMATURE")
    look = looks.load_look(args.look)
    apply.apply_look(apply.look_targets([toon_figure]), look, toon_scene)
    plain, toon = _time_interleaved(bpy, [scene.name, toon_scene.name], args.repeat)

    rng = np.random.default_rng(0)
    image = rng.random((args.size, args.size, 3), dtype=np.float32)
    alpha = (rng.random((args.size, args.size)) > 0.5).astype(np.float32)
    start = time.perf_counter()
    for _ in range(args.repeat):
        photography.develop(image, alpha, look["photography"])
    develop = (time.perf_counter() - start) / args.repeat

    print(
        f"EEVEE {args.size}x{args.size}, {args.samples} samples, look '{look['name']}', "
        f"{args.repeat} interleaved renders each"
    )
    print(f"plain MMD material: {plain:.3f} s/frame (baseline)")
    print(f"toon look        : {toon:.3f} s/frame  ratio {toon / plain:.2f} (target <= 1.3)")
    print(
        f"photography pass : {develop:.3f} s/frame  ratio {develop / plain:.2f} of a plain render"
    )
    print(f"toon + photo     : ratio {(toon + develop) / plain:.2f}")


if __name__ == "__main__":
    main()
