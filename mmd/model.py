# SPDX-License-Identifier: GPL-3.0-or-later
"""In-memory MMD data shared by the readers, the writer and the Blender importer (no bpy).

Coordinates are MMD's own, as stored in the files: left-handed, Y up, units of the file
(the importer converts PMX (x, y, z) -> Blender (x, z, y) * scale). Quaternions are stored
(x, y, z, w) as in the files. Indices are ints, -1 meaning "none". Bulk per-vertex and
per-face data are numpy arrays; everything else is small Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Vertex weight deform types (PMX).
BDEF1, BDEF2, BDEF4, SDEF, QDEF = 0, 1, 2, 3, 4

# Bone flags (PMX 2.0/2.1).
BONE_TAIL_IS_BONE = 0x0001
BONE_ROTATABLE = 0x0002
BONE_MOVABLE = 0x0004
BONE_VISIBLE = 0x0008
BONE_ENABLED = 0x0010
BONE_IK = 0x0020
BONE_INHERIT_LOCAL = 0x0080
BONE_INHERIT_ROTATION = 0x0100
BONE_INHERIT_TRANSLATION = 0x0200
BONE_FIXED_AXIS = 0x0400
BONE_LOCAL_AXES = 0x0800
BONE_PHYSICS_AFTER_DEFORM = 0x1000
BONE_EXTERNAL_PARENT = 0x2000

# Morph kinds (PMX): 0 group, 1 vertex, 2 bone, 3 uv, 4-7 additional uv 1-4, 8 material,
# 9 flip (2.1), 10 impulse (2.1).
MORPH_GROUP, MORPH_VERTEX, MORPH_BONE, MORPH_UV = 0, 1, 2, 3
MORPH_MATERIAL, MORPH_FLIP, MORPH_IMPULSE = 8, 9, 10


@dataclass
class Material:
    name: str
    name_e: str = ""
    diffuse: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    specular: tuple[float, float, float] = (0.0, 0.0, 0.0)
    specular_power: float = 5.0
    ambient: tuple[float, float, float] = (0.5, 0.5, 0.5)
    flags: int = 0  # 0x01 double-sided, 0x02 ground shadow, ..., 0x10 edge (outline)
    edge_color: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0)
    edge_size: float = 1.0
    texture: int = -1  # index into Model.textures
    sphere_texture: int = -1
    sphere_mode: int = 0  # 0 off, 1 multiply, 2 add, 3 sub-texture
    toon_shared: bool = False  # True: toon_texture is 0..9 for toon01..toon10.bmp
    toon_texture: int = -1
    comment: str = ""
    index_count: int = 0  # number of face *indices* (3 per triangle) this material covers


@dataclass
class IKLink:
    bone: int
    limits: tuple[tuple[float, float, float], tuple[float, float, float]] | None = None  # lo, hi


@dataclass
class Bone:
    name: str
    name_e: str = ""
    position: tuple[float, float, float] = (0.0, 0.0, 0.0)
    parent: int = -1
    layer: int = 0
    flags: int = BONE_ROTATABLE | BONE_VISIBLE | BONE_ENABLED
    tail_bone: int = -1  # when flags & BONE_TAIL_IS_BONE
    tail_offset: tuple[float, float, float] = (0.0, 0.0, 0.0)  # otherwise
    grant_parent: int = -1  # 付与親, when inheriting rotation/translation
    grant_weight: float = 0.0
    fixed_axis: tuple[float, float, float] | None = None
    local_x: tuple[float, float, float] | None = None
    local_z: tuple[float, float, float] | None = None
    external_key: int | None = None
    ik_target: int = -1
    ik_loops: int = 0
    ik_limit_angle: float = 0.0  # radians per iteration
    ik_links: list[IKLink] = field(default_factory=list)

    @property
    def is_ik(self) -> bool:
        return bool(self.flags & BONE_IK)


@dataclass
class Morph:
    name: str
    name_e: str = ""
    panel: int = 0  # 1 eyebrow, 2 eye, 3 mouth, 4 other
    kind: int = MORPH_VERTEX
    # Offsets by kind. Vertex: {"index": (K,) int32, "offset": (K, 3) float32}. UV kinds:
    # {"index", "offset": (K, 4)}. Bone: {"index", "translation": (K, 3), "rotation": (K, 4)}.
    # Group/flip: {"index", "weight": (K,)}. Material: list of dicts. Impulse: list of dicts.
    offsets: dict | list = field(default_factory=dict)


@dataclass
class DisplayFrame:
    name: str
    name_e: str = ""
    special: bool = False
    items: list[tuple[int, int]] = field(default_factory=list)  # (0 bone | 1 morph, index)


@dataclass
class RigidBody:
    name: str
    name_e: str = ""
    bone: int = -1
    group: int = 0
    no_collision_mask: int = 0
    shape: int = 0  # 0 sphere, 1 box, 2 capsule
    size: tuple[float, float, float] = (1.0, 1.0, 1.0)
    position: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rotation: tuple[float, float, float] = (0.0, 0.0, 0.0)
    mass: float = 1.0
    linear_damping: float = 0.0
    angular_damping: float = 0.0
    restitution: float = 0.0
    friction: float = 0.0
    mode: int = 0  # 0 follow bone, 1 physics, 2 physics + bone position


@dataclass
class Joint:
    name: str
    name_e: str = ""
    kind: int = 0  # 0 spring 6DOF (2.1 adds 1..5)
    body_a: int = -1
    body_b: int = -1
    position: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rotation: tuple[float, float, float] = (0.0, 0.0, 0.0)
    linear_lower: tuple[float, float, float] = (0.0, 0.0, 0.0)
    linear_upper: tuple[float, float, float] = (0.0, 0.0, 0.0)
    angular_lower: tuple[float, float, float] = (0.0, 0.0, 0.0)
    angular_upper: tuple[float, float, float] = (0.0, 0.0, 0.0)
    spring_linear: tuple[float, float, float] = (0.0, 0.0, 0.0)
    spring_angular: tuple[float, float, float] = (0.0, 0.0, 0.0)


@dataclass
class SoftBody:  # PMX 2.1
    name: str
    name_e: str = ""
    fields: dict = field(default_factory=dict)  # shape, material, group, config, anchors, pins


def _empty(shape: tuple[int, ...], dtype) -> np.ndarray:
    return np.zeros(shape, dtype=dtype)


@dataclass
class Model:
    """A PMX or PMD model. Arrays: N vertices, F triangles, A additional UVs."""

    format: str = "pmx"  # "pmx" or "pmd"
    version: float = 2.0
    name: str = ""
    name_e: str = ""
    comment: str = ""
    comment_e: str = ""
    encoding: str = "utf-16-le"  # PMX text encoding ("utf-16-le" or "utf-8")
    positions: np.ndarray = field(default_factory=lambda: _empty((0, 3), np.float32))
    normals: np.ndarray = field(default_factory=lambda: _empty((0, 3), np.float32))
    uvs: np.ndarray = field(default_factory=lambda: _empty((0, 2), np.float32))
    additional_uvs: np.ndarray = field(default_factory=lambda: _empty((0, 0, 4), np.float32))
    weight_types: np.ndarray = field(default_factory=lambda: _empty((0,), np.uint8))
    bone_indices: np.ndarray = field(default_factory=lambda: _empty((0, 4), np.int32))
    bone_weights: np.ndarray = field(default_factory=lambda: _empty((0, 4), np.float32))
    sdef: np.ndarray = field(default_factory=lambda: _empty((0, 3, 3), np.float32))  # C, R0, R1
    edge_scale: np.ndarray = field(default_factory=lambda: _empty((0,), np.float32))
    faces: np.ndarray = field(default_factory=lambda: _empty((0, 3), np.int32))
    textures: list[str] = field(default_factory=list)
    materials: list[Material] = field(default_factory=list)
    bones: list[Bone] = field(default_factory=list)
    morphs: list[Morph] = field(default_factory=list)
    display_frames: list[DisplayFrame] = field(default_factory=list)
    rigid_bodies: list[RigidBody] = field(default_factory=list)
    joints: list[Joint] = field(default_factory=list)
    soft_bodies: list[SoftBody] = field(default_factory=list)
    # PMD only: the ten toon texture names of its extension.
    toon_textures: list[str] = field(default_factory=list)

    def bone_index(self, name: str) -> int:
        """Index of the bone with this Japanese name, or -1."""
        for i, bone in enumerate(self.bones):
            if bone.name == name:
                return i
        return -1


@dataclass
class BoneKey:
    """A pose of one bone: MMD-space translation and (x, y, z, w) rotation, local to rest."""

    translation: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rotation: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0)


@dataclass
class Pose:
    """A VPD pose: bone name -> BoneKey, morph name -> weight."""

    model: str = ""
    bones: dict[str, BoneKey] = field(default_factory=dict)
    morphs: dict[str, float] = field(default_factory=dict)


@dataclass
class BoneTrack:
    """Keyframes of one bone, sorted by frame. interpolation: (K, 4, 4) uint8 curves
    (x, y, z, rotation) each (x1, y1, x2, y2) in 0..127, as VMD stores them."""

    frames: np.ndarray  # (K,) int32
    translations: np.ndarray  # (K, 3) float32
    rotations: np.ndarray  # (K, 4) float32, (x, y, z, w)
    interpolation: np.ndarray  # (K, 4, 4) uint8


@dataclass
class MorphTrack:
    frames: np.ndarray  # (K,) int32
    weights: np.ndarray  # (K,) float32


MOTION_FPS = 30  # a VMD motion frame is 1/30 s


@dataclass
class Motion:
    """A VMD motion. Camera, light, shadow and IK-toggle keys are kept as structured arrays."""

    model: str = ""
    bone_tracks: dict[str, BoneTrack] = field(default_factory=dict)
    morph_tracks: dict[str, MorphTrack] = field(default_factory=dict)
    camera: np.ndarray | None = None
    light: np.ndarray | None = None
    shadow: np.ndarray | None = None
    ik_toggles: list[dict] = field(default_factory=list)

    @property
    def bone_keyframes(self) -> int:
        return sum(len(t.frames) for t in self.bone_tracks.values())

    @property
    def morph_keyframes(self) -> int:
        return sum(len(t.frames) for t in self.morph_tracks.values())
