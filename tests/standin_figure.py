# SPDX-License-Identifier: GPL-3.0-or-later
"""A small stand-in MMD figure for look tests and benches (until the mannequin lands).

An armature marked as our importer's model, with child meshes whose Principled materials are
named like the mannequin's: 肌 (skin head), 髪 (hair cap), 服 (clothes body), 目 (eyes); a
camera looking at it from the front and a sun from the upper front-left.
"""

import bpy
from mathutils import Vector

MATERIALS = {
    "肌": (0.9, 0.7, 0.6),
    "髪": (0.15, 0.1, 0.4),
    "服": (0.2, 0.4, 0.8),
    "目": (0.1, 0.5, 0.3),
}
HEAD_CENTER = Vector((0.0, 0.0, 1.55))
HEAD_RADIUS = 0.42


def _material(name: str, rgb) -> bpy.types.Material:
    material = bpy.data.materials.new(name)
    principled = material.node_tree.nodes["Principled BSDF"]
    principled.inputs["Base Color"].default_value = (*rgb, 1.0)
    return material


def _mesh(name: str, material, armature, **primitive) -> bpy.types.Object:
    kind = primitive.pop("kind")
    getattr(bpy.ops.mesh, f"primitive_{kind}_add")(**primitive)
    obj = bpy.context.active_object
    obj.name = name
    bpy.ops.object.shade_smooth()
    obj.data.materials.append(material)
    obj.parent = armature
    return obj


def build(scene: bpy.types.Scene, size: int = 128) -> bpy.types.Object:
    """Build the figure, camera and sun in ``scene``; returns the armature."""
    from mmd2anime import armatures

    data = bpy.data.armatures.new("StandIn")
    armature = bpy.data.objects.new("StandIn", data)
    scene.collection.objects.link(armature)
    armature[armatures.MODEL_KEY] = "standin"
    mats = {name: _material(name, rgb) for name, rgb in MATERIALS.items()}
    _mesh("Head", mats["肌"], armature, kind="uv_sphere", radius=HEAD_RADIUS,
          location=HEAD_CENTER, segments=48, ring_count=24)  # fmt: skip
    _mesh("Hair", mats["髪"], armature, kind="uv_sphere", radius=0.45,
          location=(0.0, 0.12, 1.68), segments=48, ring_count=24)  # fmt: skip
    _mesh("Body", mats["服"], armature, kind="cylinder", radius=0.35, depth=1.1,
          location=(0.0, 0.0, 0.6), vertices=48)  # fmt: skip
    for side in (-1, 1):
        _mesh(f"Eye.{side}", mats["目"], armature, kind="uv_sphere", radius=0.07,
              location=(0.15 * side, -0.37, 1.6), segments=16, ring_count=8)  # fmt: skip

    camera = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    scene.collection.objects.link(camera)
    camera.location = (0.0, -5.0, 1.1)
    camera.rotation_euler = (1.5708, 0.0, 0.0)
    scene.camera = camera
    sun = bpy.data.objects.new("Sun", bpy.data.lights.new("Sun", "SUN"))
    sun.data.energy = 3.0
    scene.collection.objects.link(sun)
    # Shines from the upper left (and a little from the front): about half the head is lit.
    sun.rotation_euler = (1.15, 0.0, -1.15)

    scene.render.resolution_x = scene.render.resolution_y = size
    scene.render.resolution_percentage = 100
    return armature


def use_cycles(scene: bpy.types.Scene, samples: int = 1) -> None:
    """Few-sample CPU Cycles with a near-zero filter: flat colors stay exactly flat."""
    scene.render.engine = "CYCLES"
    scene.cycles.device = "CPU"
    scene.cycles.samples = samples
    scene.cycles.use_denoising = False
    scene.cycles.use_adaptive_sampling = False
    scene.cycles.filter_width = 0.01
    scene.render.threads_mode = "FIXED"
    scene.render.threads = 2


def frame_head(scene: bpy.types.Scene) -> None:
    """Move the camera close to the head so it fills most of the frame."""
    scene.camera.location = (HEAD_CENTER.x, HEAD_CENTER.y - 1.6, HEAD_CENTER.z)
