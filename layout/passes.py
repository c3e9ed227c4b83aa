# SPDX-License-Identifier: GPL-3.0-or-later
"""One render -> every layout pass + keypoints, as a FrameBundle.

The current frame is rendered once as a multilayer EXR into a fast temporary place, read
back in one go and converted to the FrameBundle conventions (bundle.py). Every scene,
render and view-layer setting touched is restored afterwards.

The film is made transparent for the render, so ``color`` is premultiplied by ``alpha``
(background black) and ``alpha`` is true coverage.

``albedo`` is the unlit surface color: Blender's diffuse color pass plus its emission pass,
so a diffuse (or Principled) material gives its design color and texture without the
light, and a toon look's emission materials give their painted color. It tells black cloth
from shaded white cloth, which ``color`` under a dim light cannot. The MMD materials our
importer builds also write what their toon ramp (MMD's shading) took from the diffuse color
(shader AOV ``mmd_material.UNTONED_AOV``), which is added back: a hair in a shared toon
keeps its color where the ramp turned it dark.

``light`` is the direction toward the key light a look's toon shading steps on (the
strongest sun, as ``toon.key_light``), in the normals' camera space.

``edges`` is drawn from the posed meshes, not rendered: the visible silhouette, border and
crease edges, where a final-quality target's Freestyle lines lie (``layout.edges``).

Where a look's toon materials mark hair (shader AOV ``toon.HAIR_AOV``), the render also
writes that AOV into ``hair``, so the look's halo can follow the hair alone; a view layer
without the AOV gets it for the render only.

Conventions found empirically here (Blender 5.0, EEVEE and Cycles agree):
- the EXR's first row is the top of the image, so no flip is needed;
- Vector = (X, Y) offset to the previous frame's position, (Z, W) = current minus next,
  both in pixels with y up.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import bpy
import cv2
import numpy as np

from ..bundle import FrameBundle
from ..shaders.mmd_material import MATERIAL_GROUP, UNTONED_AOV
from ..shaders.toon import HAIR_AOV, key_light_direction
from .camera import camera_metadata, output_size, scene_camera
from .edges import scene_edges
from .errors import LayoutError
from .exr import iter_passes
from .keypoints import scene_keypoints
from .overrides import overriding

ALL_PASSES = ("color", "alpha", "depth", "normal", "motion", "albedo", "edges")
ENGINE_PASSES = {
    "CYCLES": set(ALL_PASSES),
    "BLENDER_EEVEE": set(ALL_PASSES),
    "BLENDER_EEVEE_NEXT": set(ALL_PASSES),  # Blender 4.2-4.4's name
    # no node shaders: no albedo; edges come from the meshes, any engine
    "BLENDER_WORKBENCH": {"color", "alpha", "depth", "edges"},
}
# Engines whose materials can write shader AOVs (Workbench runs no node shaders).
AOV_ENGINES = {"CYCLES", "BLENDER_EEVEE", "BLENDER_EEVEE_NEXT"}
# Depth-pass values at or beyond this fraction of clip end are background (Cycles and
# Workbench write 1e10, EEVEE about the clip end).
BACKGROUND_FRACTION = 0.999
# Peak memory growth per pixel of render_bundle with every pass: Blender's render buffers
# plus the bundle (Cycles at 1920x1080: 316 MiB, bench/bench_layout.py --memory).
BYTES_PER_PIXEL = 160


def fast_temp_dir() -> str:
    """/dev/shm when the machine has it (RAM-backed), else the system's temp folder."""
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        return "/dev/shm"
    return tempfile.gettempdir()


def check_passes(scene: bpy.types.Scene, passes: tuple[str, ...]) -> None:
    """Raise LayoutError for unknown passes or passes the scene's engine cannot give."""
    engine = scene.render.engine
    unknown = [p for p in passes if p not in ALL_PASSES]
    if unknown:
        raise LayoutError(f"unknown layout pass {unknown[0]!r}; known: {', '.join(ALL_PASSES)}")
    available = ENGINE_PASSES.get(engine, {"color", "alpha"})
    for name in passes:
        if name not in available:
            raise LayoutError(f"render engine {engine} has no {name} pass")
    if "motion" in passes and scene.render.use_motion_blur:
        raise LayoutError(
            f"render engine {engine} gives no motion pass while motion blur is on; "
            "turn motion blur off to get motion vectors"
        )


def marks_hair(scene: bpy.types.Scene, view_layer: bpy.types.ViewLayer) -> bool:
    """Whether the render can give a hair mask: the engine runs node shaders and a material
    of an object in ``view_layer`` writes the hair AOV (a look's hair materials do)."""
    return scene.render.engine in AOV_ENGINES and _any_node(
        view_layer,
        lambda node: node.bl_idname == "ShaderNodeOutputAOV" and node.aov_name == HAIR_AOV,
    )


def shades_through_toons(scene: bpy.types.Scene, view_layer: bpy.types.ViewLayer) -> bool:
    """Whether the albedo needs the toon ramps' AOV: the engine runs node shaders and one of
    our MMD materials in ``view_layer`` has a toon ramp (without one the AOV is all zeros,
    and an AOV pass costs the render its film writes)."""
    return scene.render.engine in AOV_ENGINES and _any_node(
        view_layer,
        lambda node: (
            node.bl_idname == "ShaderNodeGroup"
            and node.node_tree is not None
            and node.node_tree.name == MATERIAL_GROUP
            and node.inputs["Toon"].is_linked
        ),
    )


def _any_node(view_layer: bpy.types.ViewLayer, test: Callable[[bpy.types.Node], bool]) -> bool:
    """Whether a node of a material of an object in ``view_layer`` passes ``test``."""
    seen = set()
    for obj in view_layer.objects:
        for slot in getattr(obj, "material_slots", ()):
            material = slot.material
            if material is None or material.node_tree is None or material.name in seen:
                continue
            seen.add(material.name)
            if any(test(node) for node in material.node_tree.nodes):
                return True
    return False


def available_memory() -> int | None:
    """Bytes the system can still give without swapping (Linux), else None (unknown)."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def check_memory(width: int, height: int, available: int | None = None) -> None:
    """Raise LayoutError when a width x height layout render would not fit in memory (the
    system's available memory unless ``available`` is given; no check where unknown)."""
    available = available_memory() if available is None else available
    need = width * height * BYTES_PER_PIXEL
    if available is not None and need > available:
        raise LayoutError(
            f"a {width}x{height} layout render needs about {need / 2**30:.1f} GiB of memory "
            f"and {available / 2**30:.1f} GiB is free: lower the resolution or its percentage"
        )


def render_bundle(
    scene: bpy.types.Scene,
    *,
    passes: tuple[str, ...] = ALL_PASSES,
    keypoints: bool = True,
    tmp_dir: str | Path | None = None,
    keep_exr: str | Path | None = None,
    hair: bool | None = None,
) -> FrameBundle:
    """Render the current frame once and return its passes (and keypoints) as a FrameBundle.

    ``keep_exr``: also keep the rendered multilayer EXR at this path (ZIP-compressed)
    instead of deleting it. ``hair``: also render the hair mask (``bundle.hair``); by
    default when a material marks hair (``marks_hair``).
    """
    passes = tuple(passes)
    check_passes(scene, passes)
    camera = scene_camera(scene)
    width, height = output_size(scene)
    check_memory(width, height)
    view_layer = bpy.context.view_layer if bpy.context.scene == scene else scene.view_layers[0]
    if hair is None:
        hair = marks_hair(scene, view_layer)
    elif hair and scene.render.engine not in AOV_ENGINES:
        raise LayoutError(f"render engine {scene.render.engine} has no hair pass (no AOVs)")
    untoned = "albedo" in passes and shades_through_toons(scene, view_layer)
    if keep_exr is None:
        handle, path = tempfile.mkstemp(suffix=".exr", dir=str(tmp_dir or fast_temp_dir()))
        os.close(handle)
    else:
        path = str(keep_exr)
    try:
        render_exr(scene, view_layer, path, passes, compress=keep_exr is not None, hair=hair,
                   untoned=untoned)  # fmt: skip
        # Depth first: its background mask zeroes the normals as they are converted.
        wanted = ["Depth", "Combined"] + ["Normal"] * ("normal" in passes)
        wanted += ["Vector"] * ("motion" in passes) + [HAIR_AOV] * hair
        wanted += ["Diffuse Color", "Emission"] * ("albedo" in passes)
        wanted += [UNTONED_AOV] * untoned
        in_context = bpy.context.scene == scene
        depsgraph = bpy.context.evaluated_depsgraph_get() if in_context else view_layer.depsgraph
        bundle = FrameBundle(width=width, height=height, frame=scene.frame_current,
                             engine=scene.render.engine,
                             camera=camera_metadata(scene, depsgraph),
                             light=camera_light(scene, camera))  # fmt: skip
        # One pass in memory at a time: each is converted, then its raw array dropped.
        found, depth, background = set(), None, None
        for name, pixels in iter_passes(path, view_layer.name, wanted):
            found.add(name)
            if name == "Depth":
                depth = pixels[..., 0]  # a view, no copy: the only channel
                background = depth >= BACKGROUND_FRACTION * camera.data.clip_end
                depth[background] = np.inf
            elif name == "Combined":
                if "color" in passes:  # cv2 copies RGB out of RGBA 10x faster than numpy
                    bundle.color = cv2.cvtColor(pixels, cv2.COLOR_RGBA2RGB)
                if "alpha" in passes:
                    bundle.alpha = np.ascontiguousarray(pixels[..., 3])
            elif name == "Normal":
                bundle.normal = _camera_normals(pixels, camera, background)
            elif name == "Vector":
                bundle.motion_prev, bundle.motion_next = _motion(pixels)
            elif name == HAIR_AOV:
                bundle.hair = np.clip(pixels[..., 0], 0.0, 1.0)  # clip copies out
            elif name in ("Diffuse Color", "Emission", UNTONED_AOV):
                # unlit surface color: a diffuse material's color plus a toon (emission)
                # material's whole output, plus what an MMD toon ramp took
                if bundle.albedo is None:
                    bundle.albedo = np.ascontiguousarray(pixels[..., :3])
                else:
                    bundle.albedo += pixels[..., :3]
            del pixels
    finally:
        if keep_exr is None and os.path.exists(path):
            os.remove(path)
    missing = set(wanted) - found
    if missing:
        raise LayoutError(
            f"render engine {scene.render.engine} wrote no {', '.join(sorted(missing))} "
            f"pass into {path}"
        )
    if keypoints:
        bundle.keypoints, bundle.visibility, bundle.people = scene_keypoints(
            scene, depth, depsgraph
        )
    if "edges" in passes:
        bundle.edges = scene_edges(scene, view_layer, depsgraph, depth)
    if "depth" in passes:
        bundle.depth = np.ascontiguousarray(depth)
    bundle.validate()
    return bundle


def render_exr(
    scene: bpy.types.Scene,
    view_layer: bpy.types.ViewLayer,
    path: str,
    passes: tuple[str, ...],
    *,
    compress: bool = False,
    hair: bool = False,
    untoned: bool = False,
) -> None:
    """Render the current frame once into a multilayer EXR at ``path`` holding Combined,
    Depth, the Blender passes that ``passes`` need, with ``hair`` the hair AOV and with
    ``untoned`` the toon ramps' AOV; every setting touched is restored (an AOV added for
    the render is removed)."""
    aovs = [(HAIR_AOV, "VALUE")] * hair + [(UNTONED_AOV, "COLOR")] * untoned
    added = []
    try:
        for name, kind in aovs:
            if name not in view_layer.aovs:
                added.append(view_layer.aovs.add())
                added[-1].name, added[-1].type = name, kind
        _render_exr(scene, view_layer, path, passes, compress)
    finally:
        for aov in added:
            view_layer.aovs.remove(aov)


def _render_exr(
    scene: bpy.types.Scene,
    view_layer: bpy.types.ViewLayer,
    path: str,
    passes: tuple[str, ...],
    compress: bool,
) -> None:
    with overriding() as setting:
        render = scene.render
        image = render.image_settings
        setting.save(image, "media_type", "file_format", "color_depth", "exr_codec")
        setting.save(image, "color_mode")
        setting.set(render, "filepath", path)
        setting.set(render, "use_file_extension", False)
        setting.set(render, "film_transparent", True)
        setting.set(image, "media_type", "MULTI_LAYER_IMAGE")
        setting.set(image, "file_format", "OPEN_EXR_MULTILAYER")
        setting.set(image, "color_depth", "32")
        setting.set(image, "exr_codec", "ZIP" if compress else "NONE")
        setting.set(view_layer, "use_pass_z", True)
        if "normal" in passes:
            setting.set(view_layer, "use_pass_normal", True)
        if "motion" in passes:
            setting.set(view_layer, "use_pass_vector", True)
        if "albedo" in passes:
            setting.set(view_layer, "use_pass_diffuse_color", True)
            setting.set(view_layer, "use_pass_emit", True)
        if render.pixel_aspect_x == render.pixel_aspect_y:
            bpy.ops.render.render(write_still=True, scene=scene.name, layer=view_layer.name)
        else:
            # Blender 5.0 cannot write a multilayer EXR at a non-square pixel aspect
            # ("Conflicting attributes ... pixelAspectRatio"); the pixels do not depend
            # on it once rendered, so the result is saved as if they were square
            # (save_render costs one more copy of the render result than write_still).
            bpy.ops.render.render(scene=scene.name, layer=view_layer.name)
            setting.set(render, "pixel_aspect_x", 1.0)
            setting.set(render, "pixel_aspect_y", 1.0)
            _render_result().save_render(path, scene=scene)


def _render_result() -> bpy.types.Image:
    for image in bpy.data.images:
        if image.type == "RENDER_RESULT":
            return image
    raise LayoutError("the render left no Render Result to save")


def camera_light(scene: bpy.types.Scene, camera: bpy.types.Object) -> list[float]:
    """The direction toward the key light that toon shading uses, in the normals' camera
    space (x right, y up, z toward the camera): a look's cel bands step on N·L with it."""
    to_camera = camera.matrix_world.to_3x3().normalized().transposed()
    return [float(v) for v in (to_camera @ key_light_direction(scene)).normalized()]


def _camera_normals(
    world: np.ndarray, camera: bpy.types.Object, background: np.ndarray
) -> np.ndarray:
    """World-space normals -> camera space (x right, y up, z toward the camera), unit length;
    zero on the ``background`` mask."""
    to_camera = np.array(camera.matrix_world.to_3x3().normalized(), np.float32).T
    # cv2 per-pixel products: less than half the time of numpy's (1080p: 14 ms vs 33 ms).
    normals = cv2.transform(world, to_camera)
    length = cv2.transform(cv2.multiply(normals, normals), np.ones((1, 3), np.float32))
    np.sqrt(length, out=length)
    scale = np.reciprocal(length, out=np.ones_like(length), where=length > 1e-12)
    scale[background] = 0.0
    normals *= scale[..., None]
    return normals


def _motion(vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Blender's Vector pass -> (motion_prev, motion_next), pixels, dx right, dy down."""
    height, width = vector.shape[:2]
    previous = np.empty((height, width, 2), np.float32)
    following = np.empty((height, width, 2), np.float32)
    previous[..., 0] = vector[..., 0]
    np.negative(vector[..., 1], out=previous[..., 1])
    np.negative(vector[..., 2], out=following[..., 0])
    following[..., 1] = vector[..., 3]
    return previous, following
