# SPDX-License-Identifier: GPL-3.0-or-later
"""Plain render of our MMD import against a reference computed from mmd_tools' formula.

mmd_tools is on no registry, so the reference is not its render: it is mmd_tools'
MMDShaderDev computed here, in numpy, per pixel, from the passes of the same Cycles render:
albedo = saturate(ambient + 0.6 diffuse) x base texture(UV) x toon(camera normal), then
x sphere (.sph) or + sphere (.spa, its numbers read as linear, as mmd_tools loads it); toon
and sphere sampled at (n.x/2 + 1/2, n.y/2 + 1/2) of the camera-space normal. mmd_tools feeds
that albedo to a Diffuse BSDF (0.98 of it; its 2 % glossy is left out), so the reference is
0.98 albedo x the irradiance of a second render of the same scene with every material
replaced by a white Diffuse BSDF (single-sided, like mmd_tools' materials); both renders
take direct light and the world only (no bounces, which would differ between a white and a
colored figure). Pixels whose first surface is a back face are left out (a third render
finds them): the passes describe the hidden face there, not what shows. Shared toons,
which mmd_tools loads from a user's toon folder, are our generated ramps in both.

Same camera, sun and world for both; Standard view transform; ΔE76 in CIELAB (D65) over the
pixels the figure covers in both. Prints mean and 90th percentile per model for our
materials, for the importer's earlier Principled BSDF materials (same run, same reference)
and for our render against itself with another sampling seed (the noise floor), and
writes ours | reference | earlier pictures under --out.

    .venv/bin/python bench/bench_mmd_reference.py [--size 256] [--samples 8] [--out /tmp/x]

Models: the shared Miku (../shared/data/mmd-samples), babylon-mmd's matcap_sample.pmx with
a generated gold matcap standing in for its missing ref.jpg, and Miku again with a generated
gold .spa (add sphere) on her darkest materials, the case of the issue.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np
from checkout import ROOT, load_checkout

SHARED = ROOT.parent / "shared" / "data"
MIKU = SHARED / "mmd-samples" / "初音ミク.pmx"
MATCAP = SHARED / "babylon-mmd" / "matcap_sample.pmx"


def srgb_to_linear(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(c: np.ndarray) -> np.ndarray:
    c = np.clip(c, 0.0, 1.0)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * c ** (1 / 2.4) - 0.055)


def lab(srgb: np.ndarray) -> np.ndarray:
    """sRGB display values (..., 3) -> CIELAB, D65."""
    rgb = srgb_to_linear(np.clip(srgb, 0.0, 1.0))
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = rgb @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1
    )


def delta_e76(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.linalg.norm(lab(a) - lab(b), axis=-1)


def image_array(image) -> tuple[np.ndarray, np.ndarray]:
    """(linear RGB, alpha) of a bpy image, H x W, row 0 at the bottom (Blender's order)."""
    w, h = image.size
    pixels = np.empty(w * h * 4, np.float32)
    image.pixels.foreach_get(pixels)
    pixels = pixels.reshape(h, w, 4)
    rgb = pixels[..., :3]
    if image.colorspace_settings.name == "sRGB" and not image.is_float:
        rgb = srgb_to_linear(rgb)
    return rgb, pixels[..., 3]


def sample(image, uv: np.ndarray, repeat: bool) -> tuple[np.ndarray, np.ndarray]:
    """Bilinear lookup of a bpy image at UVs (N x 2, v up), as Blender's Linear filter."""
    rgb, alpha = image_array(image)
    data = np.concatenate([rgb, alpha[..., None]], -1)
    h, w = data.shape[:2]
    x, y = uv[:, 0] * w - 0.5, uv[:, 1] * h - 0.5
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = (x - x0)[:, None], (y - y0)[:, None]

    def at(xi, yi):
        if repeat:
            xi, yi = xi % w, yi % h
        else:
            xi, yi = np.clip(xi, 0, w - 1), np.clip(yi, 0, h - 1)
        return data[yi, xi]

    top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx
    bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx
    out = top * (1 - fy) + bottom * fy
    return out[:, :3], out[:, 3]


def reference_albedo(materials, index, uv, normal) -> tuple[np.ndarray, np.ndarray]:
    """mmd_tools' MMDShaderDev color and alpha for N pixels (material index, UV, camera
    normal), from each material's recorded MMD parameters and images."""
    from mmd2anime.shaders.traits import material_traits

    color = np.zeros((len(index), 3))
    alpha = np.ones(len(index))
    matcap = normal[:, :2] * 0.5 + 0.5
    for m, material in enumerate(materials):
        rows = index == m
        if not rows.any():
            continue
        record = material["mmd2anime_mmd"]
        traits = material_traits(material)
        ambient = np.asarray(record["ambient"])
        diffuse = np.asarray(record["diffuse"])
        c = np.broadcast_to(np.clip(ambient + 0.6 * diffuse[:3], 0, 1), (rows.sum(), 3)).copy()
        a = np.full(rows.sum(), diffuse[3])
        if traits["texture"] is not None:
            tex, tex_alpha = sample(traits["texture"], uv[rows], repeat=True)
            c, a = c * tex, a * tex_alpha
        if traits["toon"] is not None:
            c = c * sample(traits["toon"], matcap[rows], repeat=False)[0]
        mode = record["sphere_mode"]
        if traits["sphere"] is not None and mode in (1, 2):
            sphere = sample(traits["sphere"], matcap[rows], repeat=False)[0]
            c = c + sphere if mode == 2 else c * sphere
        color[rows], alpha[rows] = c, a
    return color, alpha


def build_scene(bpy, model_path: Path, texture_dir: str, size: int, samples: int, edit=None):
    from mmd2anime import demo_scene, mmd
    from mmd2anime.mmd import blender_import

    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    scene = bpy.context.scene
    scene.render.engine = "CYCLES"
    scene.cycles.samples = samples
    scene.cycles.use_denoising = False
    # Direct light and world only: with bounces, the all-white irradiance render would
    # receive more inter-reflected light than the colored figure does.
    scene.cycles.diffuse_bounces = scene.cycles.glossy_bounces = 0
    scene.render.resolution_x, scene.render.resolution_y = size * 3 // 4, size
    scene.view_settings.view_transform = "Standard"
    scene.render.threads_mode, scene.render.threads = "FIXED", 2
    world = bpy.data.worlds.new("World")
    world.color = (0.3, 0.3, 0.3)
    world.node_tree.nodes["Background"].inputs["Color"].default_value = (0.3, 0.3, 0.3, 1.0)
    scene.world = world
    model = mmd.read(model_path)
    if edit is not None:
        edit(model)
    warnings: list[str] = []
    arm = blender_import.import_model(model, texture_dir=texture_dir, warnings=warnings)
    (mesh_obj,) = blender_import.skinned_meshes(arm)
    for i, material in enumerate(mesh_obj.data.materials):
        material.pass_index = i + 1
    points = np.array([mesh_obj.matrix_world @ v.co for v in mesh_obj.data.vertices])
    demo_scene.frame_camera(scene, points, azimuth=15.0, elevation=5.0)
    demo_scene.add_key_light(scene)
    return scene, mesh_obj, warnings


def _override_material(bpy):
    """White Diffuse BSDF, transparent on back faces: the irradiance a single-sided MMD
    material receives."""
    material = bpy.data.materials.new("irradiance probe")
    tree = material.node_tree
    tree.nodes.clear()
    diffuse = tree.nodes.new("ShaderNodeBsdfDiffuse")
    diffuse.inputs["Color"].default_value = (1, 1, 1, 1)
    transparent = tree.nodes.new("ShaderNodeBsdfTransparent")
    mix = tree.nodes.new("ShaderNodeMixShader")
    geometry = tree.nodes.new("ShaderNodeNewGeometry")
    out = tree.nodes.new("ShaderNodeOutputMaterial")
    tree.links.new(geometry.outputs["Backfacing"], mix.inputs["Fac"])
    tree.links.new(diffuse.outputs[0], mix.inputs[1])
    tree.links.new(transparent.outputs[0], mix.inputs[2])
    tree.links.new(mix.outputs[0], out.inputs["Surface"])
    return material


def _facing_material(bpy):
    """Emits 1 on front faces and 0 on back faces: finds pixels whose first surface is a
    back face, which single-sided materials hide but the passes still describe."""
    material = bpy.data.materials.new("facing probe")
    tree = material.node_tree
    tree.nodes.clear()
    geometry = tree.nodes.new("ShaderNodeNewGeometry")
    front = tree.nodes.new("ShaderNodeMath")
    front.operation = "SUBTRACT"
    front.inputs[0].default_value = 1.0
    emission = tree.nodes.new("ShaderNodeEmission")
    out = tree.nodes.new("ShaderNodeOutputMaterial")
    tree.links.new(geometry.outputs["Backfacing"], front.inputs[1])
    tree.links.new(front.outputs[0], emission.inputs["Strength"])
    tree.links.new(emission.outputs[0], out.inputs["Surface"])
    return material


def render_passes(bpy, scene, names) -> dict[str, np.ndarray]:
    from mmd2anime.layout.exr import iter_passes
    from mmd2anime.layout.passes import fast_temp_dir, render_exr

    layer = scene.view_layers[0]
    layer.use_pass_uv = layer.use_pass_material_index = True
    path = os.path.join(fast_temp_dir(), f"mmd_reference_{os.getpid()}.exr")
    render_exr(scene, layer, path, ("normal",))
    try:
        return dict(iter_passes(path, layer.name, names))
    finally:
        os.remove(path)


def compare(bpy, scene, mesh_obj) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ours sRGB, reference sRGB, figure mask), H x W, over the world color."""
    layer = scene.view_layers[0]
    ours = render_passes(bpy, scene, ("Combined", "Normal", "UV", "Material Index"))
    layer.material_override = _override_material(bpy)
    light = render_passes(bpy, scene, ("Combined",))["Combined"]
    layer.material_override = _facing_material(bpy)
    front = render_passes(bpy, scene, ("Combined",))["Combined"][..., 0]
    layer.material_override = None
    combined = ours["Combined"]
    mask = (combined[..., 3] > 0.99) & (light[..., 3] > 0.99) & (front > 0.99)
    mask &= ours["Material Index"][..., 0] > 0.5
    to_camera = np.array(scene.camera.matrix_world.to_3x3().normalized()).T
    normal = ours["Normal"][..., :3][mask] @ to_camera.T
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-9)
    index = np.rint(ours["Material Index"][..., 0][mask]).astype(int) - 1
    uv = ours["UV"][..., 1:3][mask]  # the file's channels are A, U, V
    albedo, alpha = reference_albedo(list(mesh_obj.data.materials), index, uv, normal)
    mask[mask] = alpha > 0.99
    ref = _over_world(scene, combined)
    ref[mask] = (0.98 * albedo * light[..., :3][mask])[alpha > 0.99]
    return linear_to_srgb(_over_world(scene, combined)), linear_to_srgb(ref), mask


def _over_world(scene, combined: np.ndarray) -> np.ndarray:
    background = np.array(scene.world.color)
    return combined[..., :3] + (1 - combined[..., 3:4]) * background


def render_baseline(bpy, scene, mesh_obj) -> np.ndarray:
    """sRGB render with the importer's materials before MMD's model: Principled BSDF,
    base color = diffuse x texture, roughness 0.8 (rebuilt here, in place)."""
    from mmd2anime.shaders.traits import material_traits

    for material in mesh_obj.data.materials:
        traits = material_traits(material)
        tree = material.node_tree
        tree.nodes.clear()
        bsdf = tree.nodes.new("ShaderNodeBsdfPrincipled")
        out = tree.nodes.new("ShaderNodeOutputMaterial")
        tree.links.new(bsdf.outputs[0], out.inputs["Surface"])
        bsdf.inputs["Base Color"].default_value = traits["color"]
        bsdf.inputs["Alpha"].default_value = traits["alpha"]
        bsdf.inputs["Roughness"].default_value = 0.8
        if traits["texture"] is not None:
            tex = tree.nodes.new("ShaderNodeTexImage")
            tex.image = traits["texture"]
            mix = tree.nodes.new("ShaderNodeMix")
            mix.data_type, mix.blend_type = "RGBA", "MULTIPLY"
            mix.inputs["Factor"].default_value = 1.0
            mix.inputs["A"].default_value = traits["color"]
            tree.links.new(tex.outputs["Color"], mix.inputs["B"])
            tree.links.new(mix.outputs["Result"], bsdf.inputs["Base Color"])
    combined = render_passes(bpy, scene, ("Combined",))["Combined"]
    return linear_to_srgb(_over_world(scene, combined))


def gold_image(path: Path, add: bool) -> None:
    """A gold matcap written as a JPEG/BMP: bright rim-lit ball (multiply) or a dark ball
    with a gold glint (add)."""
    import cv2

    n = 128
    y, x = np.mgrid[0:n, 0:n]
    u, v = (x + 0.5) / n * 2 - 1, 1 - (y + 0.5) / n * 2
    r = np.sqrt(u**2 + v**2)
    light = np.clip(0.55 + 0.45 * v - 0.2 * r, 0, 1)
    gold = np.array([0.35, 0.75, 1.0])  # BGR
    img = (light[..., None] * gold) if not add else (light[..., None] ** 2 * gold * 0.8)
    cv2.imwrite(str(path), (np.clip(img, 0, 1) * 255).astype(np.uint8))


def add_gold_spheres(model, darkest: int = 4):
    """Give the darkest materials a gold add sphere (the issue's trims)."""
    from mmd2anime.mmd.model import Material

    model.textures.append("gold.spa")
    lum = [sum(m.diffuse[:3]) for m in model.materials]
    for i in np.argsort(lum)[:darkest]:
        mat: Material = model.materials[i]
        mat.sphere_texture, mat.sphere_mode = len(model.textures) - 1, 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "mmd_reference"))
    args = parser.parse_args()
    load_checkout()
    import bpy
    import cv2

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="mmd_reference_"))
    gold_image(work / "ref.jpg", add=False)
    gold_image(work / "gold.bmp", add=True)
    os.replace(work / "gold.bmp", work / "gold.spa")
    if MIKU.is_file():
        for eye in MIKU.parent.glob("*.bmp"):
            (work / eye.name).write_bytes(eye.read_bytes())
    cases = [
        ("miku", MIKU, str(MIKU.parent), None),
        ("matcap_sample", MATCAP, str(work), None),
        ("miku_gold_spa", MIKU, str(work), add_gold_spheres),
    ]
    for name, path, texture_dir, edit in cases:
        if not path.is_file():
            print(f"{name}: skipped, {path} not found")
            continue
        scene, mesh_obj, warnings = build_scene(
            bpy, path, texture_dir, args.size, args.samples, edit
        )
        ours, ref, mask = compare(bpy, scene, mesh_obj)
        scene.cycles.seed += 1  # the same render again: the sampling noise's own share
        again = render_passes(bpy, scene, ("Combined",))["Combined"]
        noise = linear_to_srgb(_over_world(scene, again))
        before = render_baseline(bpy, scene, mesh_obj)
        rows = (("ours", ours), ("before (Principled)", before), ("noise floor", noise))
        for label, picture in rows:
            compared = ours if label == "noise floor" else ref
            de = delta_e76(picture[mask], compared[mask])
            print(
                f"{name}, {label}: mean dE76 {de.mean():.2f}, p90 {np.percentile(de, 90):.2f}"
                f" over {mask.sum()} figure pixels ({len(warnings)} import warnings)"
            )
        side = np.concatenate([ours, ref, before], axis=1)[..., ::-1]
        cv2.imwrite(str(out / f"{name}.png"), (side * 255 + 0.5).astype(np.uint8))
    print(f"pictures (ours | reference | before) in {out}; targets: mean <= 10, p90 <= 25")


if __name__ == "__main__":
    main()
