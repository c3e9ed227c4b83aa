# SPDX-License-Identifier: GPL-3.0-or-later
"""Dataset mode: many frames of a puppet in poses under random cameras, lights and looks.

Each sample is written like a write_layout frame (files named by sample index) and
described in ``manifest.json`` with the random choices that made it, so a seed
reproduces the set. Runs in a scene of its own, removed afterwards with everything it
made; the user's scene is left as it was.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import bpy
import numpy as np
from mathutils import Euler, Matrix, Vector

from ..shaders.apply import apply_look, look_targets
from ..shaders.freestyle_lines import enable_lines
from ..shaders.looks import load_look
from ..shaders.photography import develop_look
from ..shaders.toon import set_light_direction
from .errors import LayoutError
from .keypoints import world_keypoints
from .outputs import MANIFEST_NAME, available_passes, versions, write_frame

BuildPuppet = Callable[[], bpy.types.Object]
# poses(armature, i) poses the puppet for sample i; returns what it chose (JSON-able) or None
ApplyPose = Callable[[bpy.types.Object, int], object]
SCENE_NAME = "mmd2anime dataset"


def _default_puppet() -> BuildPuppet:
    try:
        from ..mmd.blender_import import import_model
        from ..mmd.mannequin import mannequin_model
    except ImportError as exc:
        raise LayoutError(f"no puppet to pose: pass build_puppet ({exc})") from None
    return lambda: import_model(mannequin_model())


def _default_poses() -> ApplyPose | None:
    try:
        from ..mmd.blender_characters import apply_library_pose
        from ..mmd.pose_library import POSES, get_pose
    except ImportError:
        return None
    names = list(POSES)
    library = [get_pose(name) for name in names]

    def pose(armature: bpy.types.Object, index: int) -> dict:
        # at the puppet's size: a built-in character's legs may be shorter than the mannequin's
        apply_library_pose(armature, library[index % len(library)])
        return {"library": names[index % len(names)]}

    return pose


def model_puppet(path: str | Path) -> BuildPuppet:
    """build_puppet for a PMX or PMD file (its textures are looked up beside it). The file is
    read now, so a bad one fails before anything is rendered."""
    from ..mmd import read
    from ..mmd.blender_import import import_model
    from ..mmd.model import Model

    model = read(path)  # MMDFormatError / OSError name the file
    if not isinstance(model, Model):
        raise LayoutError(f"{path}: not a model (PMX or PMD)")
    return lambda: import_model(model, texture_dir=str(Path(path).parent))


def motion_poses(paths: Sequence[str | Path], seed: int = 0) -> ApplyPose:
    """poses(armature, i) for write_dataset: sample i shows a random frame of one of the VMD
    motions at ``paths`` (drawn from ``seed`` and i), VMD frame N on Blender frame N. Posing
    sample 0 (a run's first) keys each motion once, as an action of its own. Such samples
    also get motion vectors: the frames beside them are the motion's own."""
    from ..mmd import read
    from ..mmd.blender_import import apply_motion, skinned_meshes
    from ..mmd.model import Motion

    motions = []
    for path in paths:
        motion = read(path)
        if not isinstance(motion, Motion) or not motion.bone_tracks:
            raise LayoutError(f"{path}: not a VMD motion with bone keyframes")
        motions.append((Path(path).name, motion))
    keyed: list[tuple[str, dict, int, int]] = []
    keyed_on: list[str] = []  # the armature the motions are keyed on (puppets may change)

    def key_all(armature: bpy.types.Object) -> None:
        owners = [armature] + [
            m.data.shape_keys for m in skinned_meshes(armature) if m.data.shape_keys
        ]
        for name, motion in motions:
            for owner in owners:
                owner.animation_data_create().action = None
            unmatched = apply_motion(armature, motion, frame_offset=0)
            if len(unmatched) >= len(motion.bone_tracks) + len(motion.morph_tracks):
                raise LayoutError(f"{name}: no track of this motion names a bone of the puppet")
            actions = {owner: owner.animation_data.action for owner in owners}
            frames = [f for track in motion.bone_tracks.values() for f in track.frames]
            keyed.append((name, actions, min(frames), max(frames)))

    def pose(armature: bpy.types.Object, index: int) -> dict:
        if index == 0 or keyed_on != [armature.name]:  # a new run or a new puppet
            keyed.clear()
            key_all(armature)
            keyed_on[:] = [armature.name]
        rng = random.Random(f"{seed}:{index}")
        name, actions, first, last = rng.choice(keyed)
        # Channels the chosen motion does not key would keep the last motion's values.
        for pose_bone in armature.pose.bones:
            pose_bone.matrix_basis = Matrix.Identity(4)
        for owner, action in actions.items():
            owner.animation_data.action = action
            for block in getattr(owner, "key_blocks", ()):
                block.value = 0.0
        frame = rng.randint(first, last)
        bpy.context.scene.frame_set(frame)
        return {"motion": name, "frame": frame}

    return pose


class CharacterPuppets:
    """Built-in characters for write_dataset, one drawn per sample from the seed and the
    sample index: ``"random"`` (a new random character each sample) or preset names."""

    def __init__(self, spec: str, seed: int = 0) -> None:
        from ..mmd.characters import PRESETS

        self.seed = seed
        self.names = None if spec == "random" else [n.strip() for n in spec.split(",")]
        unknown = [n for n in self.names or () if n not in PRESETS]
        if unknown or self.names == []:
            raise LayoutError(f"unknown character {', '.join(unknown) or spec!r}: use 'random' "
                              f"or names from {', '.join(PRESETS)}")  # fmt: skip

    def params(self, index: int):
        from ..mmd.characters import PRESETS, random_params

        if self.names is None:
            return random_params(f"{self.seed}:{index}")
        return PRESETS[random.Random(f"{self.seed}:{index}").choice(self.names)]

    def build(self, params) -> bpy.types.Object:
        from ..mmd.blender_characters import add_character

        return add_character(params, collection=bpy.context.scene.collection)


def _skinned(scene: bpy.types.Scene, armature: bpy.types.Object) -> list[bpy.types.Object]:
    return [
        o
        for o in scene.objects
        if any(m.type == "ARMATURE" and m.object == armature for m in o.modifiers)
    ]


def _remove_puppet(armature: bpy.types.Object, meshes: list[bpy.types.Object]) -> None:
    """Remove a puppet and its data now (a run of random characters would pile them up)."""
    for mesh in meshes:
        data, materials = mesh.data, [m for m in mesh.data.materials if m is not None]
        bpy.data.objects.remove(mesh)
        bpy.data.meshes.remove(data)
        for material in materials:
            if not material.users:
                bpy.data.materials.remove(material)
    data = armature.data
    bpy.data.objects.remove(armature)
    bpy.data.armatures.remove(data)


def _figure_bounds(armature: bpy.types.Object) -> tuple[Vector, float]:
    """Center and height of the posed figure, from its keypoints (else its bounding box)."""
    points = world_keypoints(armature)
    points = points[~np.isnan(points).any(axis=1)]
    if len(points) < 2:
        corners = [armature.matrix_world @ Vector(c) for c in armature.bound_box]
        points = np.array([tuple(c) for c in corners])
    low, high = points.min(axis=0), points.max(axis=0)
    return Vector((low + high) / 2), max(float(np.linalg.norm(high - low)), 1e-3)


def _place_camera(camera: bpy.types.Object, center: Vector, size: float, rng) -> dict:
    """A camera at random azimuth/elevation/lens, far enough back to frame the figure."""
    azimuth = rng.uniform(0, 360)
    elevation = rng.uniform(-10, 40)
    lens = rng.uniform(24, 85)
    fill = rng.uniform(0.5, 0.8)  # of the frame the joints span; the mesh reaches further
    camera.data.lens = lens
    camera.data.sensor_fit = "AUTO"
    half_fov = math.atan(camera.data.sensor_width / (2 * lens))
    distance = size / 2 / fill / math.tan(half_fov)
    az, el = math.radians(azimuth), math.radians(elevation)
    # azimuth 0 = in front of an MMD figure (it faces -Y)
    offset = Vector((math.sin(az) * math.cos(el), -math.cos(az) * math.cos(el), math.sin(el)))
    camera.location = center + offset * distance
    camera.rotation_euler = (-offset).to_track_quat("-Z", "Y").to_euler()
    camera.data.clip_end = distance * 10
    return {"azimuth": azimuth, "elevation": elevation, "lens": lens, "distance": distance}


def _place_light(sun: bpy.types.Object, world: bpy.types.World, rng) -> dict:
    energy = rng.uniform(1.0, 5.0)
    tint = [rng.uniform(0.8, 1.0) for _ in range(3)]
    rotation = [math.radians(rng.uniform(0, 70)), 0.0, math.radians(rng.uniform(0, 360))]
    sun.data.energy, sun.data.color = energy, tint
    sun.rotation_euler = Euler(rotation)
    ambient = [rng.uniform(0.02, 0.3) for _ in range(3)]
    world.color = ambient
    return {"sun_energy": energy, "sun_color": tint, "sun_rotation": rotation, "ambient": ambient}


def _restyle(meshes: list[bpy.types.Object], material: bpy.types.Material, rng) -> dict:
    """Random base color for puppets without materials of their own (others keep theirs)."""
    color = [rng.uniform(0.1, 1.0) for _ in range(3)] + [1.0]
    material.diffuse_color = color  # Workbench
    tree = material.node_tree  # Cycles and EEVEE: the default Principled BSDF
    for node in tree.nodes if tree is not None else ():
        if node.bl_idname == "ShaderNodeBsdfPrincipled":
            node.inputs["Base Color"].default_value = color
    for mesh in meshes:
        if not any(mesh.material_slots):
            mesh.data.materials.append(material)
    return {"base_color": color}


def _set_resolution(scene: bpy.types.Scene, size: tuple[int, int], engine: str, samples: int):
    scene.render.engine = engine
    scene.render.resolution_x, scene.render.resolution_y = size
    scene.render.resolution_percentage = 100
    scene.cycles.samples = samples
    scene.cycles.use_denoising = False
    scene.eevee.taa_render_samples = samples


def write_dataset(
    out_dir: str | Path,
    count: int,
    *,
    seed: int = 0,
    build_puppet: BuildPuppet | None = None,
    poses: ApplyPose | None = None,
    size: tuple[int, int] = (256, 256),
    engine: str = "CYCLES",
    samples: int = 4,
    look: str | None = None,
    characters: CharacterPuppets | None = None,
    lines: bool = False,
) -> dict:
    """Render ``count`` random samples into ``out_dir``; returns the manifest.

    ``build_puppet()`` returns an armature it built in the context scene (default: the
    mannequin; model_puppet(path) for a PMX/PMD); ``poses(armature, i)`` poses it for sample
    i (default: the pose library; motion_poses(paths, seed) for VMD motions).
    ``look`` (a look name or .json path) renders the puppet in that toon look, its color
    developed by the look's photography pass; the random draws stay the same, so one seed
    gives the same poses and cameras plainly and in any look (paired data).
    ``characters`` (instead of ``build_puppet``) draws a built-in character per sample,
    recorded in the manifest with its parameters.
    ``lines`` adds Freestyle line work in the look's line color (a final-quality target).
    """
    if count < 1:
        raise LayoutError(f"dataset size must be at least 1, got {count}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    build_puppet = build_puppet or _default_puppet()
    poses = poses or _default_poses()
    look_data = load_look(look) if look is not None else None  # fails before rendering
    finish = None
    if look_data is not None:

        def finish(bundle):
            hair = bundle.hair if bundle.hair is not None else np.zeros_like(bundle.alpha)
            bundle.color = develop_look(bundle.color, bundle.alpha, look_data, hair)

    rng = random.Random(seed)
    window = bpy.context.window
    previous_scene = window.scene
    before = {kind: {b.as_pointer() for b in getattr(bpy.data, kind)} for kind in _MADE_KINDS}
    scene = bpy.data.scenes.new(SCENE_NAME)
    started = time.perf_counter()
    entries = []
    try:
        window.scene = scene
        _set_resolution(scene, size, engine, samples)
        if lines:
            enable_lines(scene, look_data)
        scene.world = bpy.data.worlds.new(SCENE_NAME)
        camera = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
        sun = bpy.data.objects.new("Sun", bpy.data.lights.new("Sun", "SUN"))
        for obj in (camera, sun):
            scene.collection.objects.link(obj)
        scene.camera = camera
        armature, cast = None, None
        if characters is None:
            armature = build_puppet()
            meshes = _skinned(scene, armature)
        material = bpy.data.materials.new(SCENE_NAME)
        # A posed still has no neighbouring frames to move from: no motion pass (24 samples
        # at 256², Cycles, 4 samples: 1.48 s without it, 1.68 s with it). A sample from a
        # keyed motion gets one.
        every = available_passes(scene)
        still = tuple(p for p in every if p != "motion")
        for index in range(count):
            choices = {}
            new_puppet = index == 0
            if characters is not None:
                params = characters.params(index)
                if params != cast:
                    if armature is not None:
                        _remove_puppet(armature, meshes)
                    armature, cast, new_puppet = characters.build(params), params, True
                    meshes = _skinned(scene, armature)
                choices["character"] = params.to_dict()
            chosen = poses(armature, index) if poses is not None else None
            bpy.context.view_layer.update()
            center, extent = _figure_bounds(armature)
            choices["pose"] = chosen
            choices["camera"] = _place_camera(camera, center, extent, rng)
            choices["light"] = _place_light(sun, scene.world, rng)
            choices["look"] = _restyle(meshes, material, rng)
            if look_data is not None and new_puppet:
                # once per puppet, after the first restyle gave every mesh a material
                apply_look(look_targets([armature, *meshes]), look_data, scene)
            elif look_data is not None:
                # the sun moved: the toon bands follow it (apply_look set it for the first)
                set_light_direction(scene)
            animated = bool(armature.animation_data and armature.animation_data.action)
            passes = every if animated else still
            entry = write_frame(scene, out_dir, f"{index:06d}", finish, passes)
            entries.append({"sample": index, **entry, "choices": choices})
    finally:
        window.scene = previous_scene
        bpy.data.scenes.remove(scene)
        _remove_new(before)
    manifest = {
        "versions": versions(),
        "engine": engine,
        "resolution": list(size),
        "seed": seed,
        "count": count,
        "look": look_data["name"] if look_data is not None else None,
        "lines": lines,
        "frames": entries,
        "total_seconds": time.perf_counter() - started,
    }
    (out_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1))
    return manifest


_MADE_KINDS = ("objects", "meshes", "armatures", "materials", "node_groups", "cameras",
               "lights", "worlds", "actions", "images", "linestyles")  # fmt: skip


def _remove_new(before: dict[str, set[int]]) -> None:
    """Remove every datablock made since ``before`` (objects first: they use the rest)."""
    for kind in _MADE_KINDS:
        collection = getattr(bpy.data, kind)
        for block in [b for b in collection if b.as_pointer() not in before[kind]]:
            collection.remove(block)
