# SPDX-License-Identifier: GPL-3.0-or-later
"""Scenes built by mmd_tools itself, saved, then opened here without mmd_tools (DESIGN §4).

mmd_tools is on no package registry, so such scenes cannot be made in CI. Point
MMD2ANIME_MMD_TOOLS_SCENES at a folder of .blend files, each with at least one humanoid MMD
model imported by mmd_tools (any pose or motion) and an active camera that sees it; every
file becomes a test. Without the variable the test is skipped.

The checks do not trust armatures.py: models are found through mmd_tools' own root group
(``mmd_root``), Japanese names are read straight from the stored ``mmd_bone`` groups.
"""

import os
from pathlib import Path

import numpy as np
import pytest

FOLDER = os.environ.get("MMD2ANIME_MMD_TOOLS_SCENES")
SCENES = sorted(Path(FOLDER).glob("*.blend")) if FOLDER else []
# COCO-18 index -> the MMD bone whose head it is (DESIGN §4); the neck (首) and the face
# points are derived or estimated, so they are left out here.
JOINTS = {2: "右腕", 3: "右ひじ", 4: "右手首", 5: "左腕", 6: "左ひじ", 7: "左手首", 8: "右足",
          9: "右ひざ", 10: "右足首", 11: "左足", 12: "左ひざ", 13: "左足首"}  # fmt: skip


def _stored(struct, key: str):
    store = struct.bl_system_properties_get()
    return store.get(key) if store is not None else None


def _models(scene) -> list:
    """Armatures under an empty that carries mmd_tools' root group."""
    return sorted(
        (
            o
            for o in scene.objects
            if o.type == "ARMATURE" and o.parent is not None and _stored(o.parent, "mmd_root")
        ),
        key=lambda o: o.name,
    )


def _head(armature, name_j: str) -> np.ndarray:
    for pose_bone in armature.pose.bones:
        group = _stored(pose_bone, "mmd_bone")
        if group is not None and group.get("name_j") == name_j:
            return np.array(armature.matrix_world @ pose_bone.head)
    raise AssertionError(f"{armature.name}: no bone named {name_j} in its mmd_bone groups")


@pytest.mark.skipif(not FOLDER, reason="set MMD2ANIME_MMD_TOOLS_SCENES to a folder of .blend")
@pytest.mark.parametrize("blend", SCENES or [None], ids=lambda p: p.name if p else "none")
def test_mmd_tools_scene(bpy_module, blend):
    bpy = bpy_module
    from mmd2anime import armatures
    from mmd2anime.layout.keypoints import world_keypoints
    from mmd2anime.layout.passes import render_bundle

    assert blend is not None, f"no .blend files in {FOLDER}"
    assert not hasattr(bpy.types.Object, "mmd_type"), "mmd_tools must not be enabled here"
    bpy.ops.wm.open_mainfile(filepath=str(blend), load_ui=False)
    scene = bpy.context.scene
    models = _models(scene)
    assert models, f"{blend.name}: no armature under an mmd_tools root"
    assert armatures.mmd_armatures(scene) == models

    for armature in models:
        points = world_keypoints(armature)
        for index, name_j in JOINTS.items():
            np.testing.assert_allclose(points[index], _head(armature, name_j), atol=1e-5)
        assert not np.isnan(points).any(), f"{armature.name}: keypoints left unknown"

    scene.render.engine = "CYCLES"
    scene.cycles.samples = 1
    scene.render.resolution_x, scene.render.resolution_y = 128, 128
    scene.render.resolution_percentage = 100
    bundle = render_bundle(scene)
    assert bundle.people, f"{blend.name}: the camera sees no model"
    assert set(bundle.people) <= {m.name for m in models}
    for person in range(len(bundle.people)):
        assert (bundle.visibility[person] == 2).sum() >= 6
