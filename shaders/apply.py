# SPDX-License-Identifier: GPL-3.0-or-later
"""Apply a look to MMD models non-destructively, and revert it exactly.

What apply changes, and where it remembers the original (all in ID properties, so it is saved
with the .blend and follows undo):
- each material slot gets a toon copy; ``obj[APPLIED_KEY]["materials"]`` maps slot index ->
  original material (ID pointers: renames don't break revert). Originals are never edited.
- the outline adds one material slot at the end, a Solidify modifier and, when the look gives
  materials different line widths, a vertex group; their index and names are recorded too.
- the scene's world and view transform (flat toon colors need "Standard"); recorded in
  ``scene[SCENE_KEY]`` the first time a look is applied.
- mmd_tools' own toon edge (a Solidify modifier ``mmd_edge_preview`` drawing with appended
  ``mmd_edge.*`` materials) would be a second outline: it is hidden from render and viewport
  while the look is worn, its former visibility in ``obj[APPLIED_KEY]["foreign_edges"]``;
  its edge materials keep their slots (no toon copies).
Revert puts the same datablocks back into the same slots, removes what apply added and deletes
toon copies nobody uses any more.

Each material gets its role (``material_roles``): the user's choice stored on the material
(``material[ROLE_KEY]``, saved with the .blend, set from the Looks panel) first, then the
look's ``materials`` override, then ``roles.classify_role`` from its name, texture, color and
the bones weighting it.
"""

from __future__ import annotations

import bpy
import numpy as np
from mathutils import Vector

from .. import armatures, preferences
from . import outline, toon
from .looks import main_role, srgb_to_linear
from .roles import classify_role
from .traits import material_traits

APPLIED_KEY = "mmd2anime_look"
SCENE_KEY = "mmd2anime_look_scene"
WORLD_NAME = "MMD2Anime Look World"
ROLE_KEY = "mmd2anime_role"  # ID property on an original material: the user's role for it
MMD_TOOLS_EDGE_MODIFIER = "mmd_edge_preview"  # mmd_tools' toon edge Solidify modifier
MMD_TOOLS_EDGE_PREFIX = "mmd_edge."  # mmd_tools' edge materials: "mmd_edge." + material name


def user_looks_dir() -> str | None:
    """The user's own looks folder (created on demand), or None outside an installed extension."""
    try:
        return bpy.utils.extension_path_user(preferences.PACKAGE, path="looks", create=True)
    except (ValueError, AttributeError, RuntimeError):
        return None


def look_targets(objects: list[bpy.types.Object]) -> list[bpy.types.Object]:
    """The mesh objects a look applies to: child meshes of MMD armatures/roots, plus meshes."""
    found: dict[str, bpy.types.Object] = {}
    for obj in objects:
        if obj.type == "MESH":
            found[obj.name] = obj
        elif armatures.is_mmd_armature(obj) or armatures.is_mmd_root(obj):
            for child in obj.children_recursive:
                if child.type == "MESH" and not _is_helper(child):
                    found[child.name] = child
    return sorted(found.values(), key=lambda o: o.name)


def _is_helper(obj: bpy.types.Object) -> bool:
    # mmd_tools' rigid bodies and joints are meshes hidden from render.
    return obj.hide_render


def _model_height(objects: list[bpy.types.Object]) -> float:
    zs = [(o.matrix_world @ Vector(corner)).z for o in objects for corner in o.bound_box]
    return (max(zs) - min(zs)) or 1.0 if zs else 1.0


def original_material(material: bpy.types.Material | None) -> bpy.types.Material | None:
    """The user's material behind a slot: itself, or the one a toon copy was made from."""
    if material is None:
        return None
    source = material.get(toon.TOON_OF_KEY)
    return source if isinstance(source, bpy.types.Material) else material


def is_outline(material: bpy.types.Material | None) -> bool:
    return material is not None and material.get(outline.OUTLINE_OF_KEY) is not None


def _armature_of(obj: bpy.types.Object) -> bpy.types.Object | None:
    for modifier in obj.modifiers:
        if modifier.type == "ARMATURE" and modifier.object is not None:
            return modifier.object
    parent = obj.parent
    return parent if parent is not None and parent.type == "ARMATURE" else None


def material_bone_shares(obj: bpy.types.Object) -> list[dict[str, float]]:
    """Per material slot: the Japanese names of the bones weighting its vertices, each with
    its share of the slot's total weight (empty without vertex groups)."""
    mesh = obj.data
    slots = len(obj.material_slots)
    if not obj.vertex_groups or not len(mesh.polygons):
        return [{} for _ in range(slots)]
    armature = _armature_of(obj)
    to_j = {}
    if armature is not None and armature.pose is not None:
        to_j = {pb.name: armatures.bone_name_j(pb) for pb in armature.pose.bones}
    names = [to_j.get(g.name) or g.name for g in obj.vertex_groups]
    face_material = np.empty(len(mesh.polygons), np.int32)
    mesh.polygons.foreach_get("material_index", face_material)
    loop_total = np.empty(len(mesh.polygons), np.int32)
    mesh.polygons.foreach_get("loop_total", loop_total)
    loop_vertex = np.empty(len(mesh.loops), np.int32)
    mesh.loops.foreach_get("vertex_index", loop_vertex)
    loop_material = np.repeat(face_material, loop_total)
    entries = [(v.index, g.group, g.weight) for v in mesh.vertices for g in v.groups]
    if not entries:
        return [{} for _ in range(slots)]
    vertex, group, weight = (np.asarray(column) for column in zip(*entries, strict=True))
    shares = []
    for slot in range(slots):
        in_slot = np.zeros(len(mesh.vertices), bool)
        in_slot[loop_vertex[loop_material == slot]] = True
        chosen = in_slot[vertex]
        totals = np.bincount(group[chosen], weight[chosen], minlength=len(names))
        whole = totals.sum()
        shares.append(
            {names[i]: float(t / whole) for i, t in enumerate(totals) if t > 0} if whole else {}
        )
    return shares


def is_mmd_tools_edge(material: bpy.types.Material | None) -> bool:
    """One of the edge materials mmd_tools appends for its own toon edge."""
    return material is not None and material.name.startswith(MMD_TOOLS_EDGE_PREFIX)


def mmd_tools_edge_modifiers(obj: bpy.types.Object) -> list[bpy.types.Modifier]:
    """mmd_tools' toon edge modifiers on ``obj``: Solidify named like its own, or a Solidify
    drawing with its ``mmd_edge.*`` materials (a renamed copy)."""
    materials = obj.data.materials
    found = []
    for modifier in obj.modifiers:
        if modifier.type != "SOLIDIFY":
            continue
        offset = modifier.material_offset
        draws_edges = 0 <= offset < len(materials) and is_mmd_tools_edge(materials[offset])
        if modifier.name.startswith(MMD_TOOLS_EDGE_MODIFIER) or draws_edges:
            found.append(modifier)
    return found


def _hide_foreign_edges(obj: bpy.types.Object) -> dict:
    hidden = {}
    for modifier in mmd_tools_edge_modifiers(obj):
        hidden[modifier.name] = {
            "render": modifier.show_render,
            "viewport": modifier.show_viewport,
        }
        modifier.show_render = modifier.show_viewport = False
    return hidden


def _restore_foreign_edges(obj: bpy.types.Object, hidden) -> None:
    for name, shown in hidden.items():
        modifier = obj.modifiers.get(name)
        if modifier is not None:  # the user may have deleted it since
            modifier.show_render = bool(shown["render"])
            modifier.show_viewport = bool(shown["viewport"])


def classify_material(material: bpy.types.Material | None, bone_shares: dict) -> str:
    """The automatic role of one material (without the user's or the look's override)."""
    if material is None:
        return "other"
    traits = material_traits(material)
    texture = traits["texture"]
    textures = [texture.filepath or texture.name] if texture is not None else []
    return classify_role(material.name, bone_shares, textures, traits["color"])


def material_roles(
    obj: bpy.types.Object, look: dict | None = None, shares: list[dict] | None = None
) -> list[tuple[str, str]]:
    """(role, where it came from: 'user', 'look' or 'auto') per material slot of ``obj``;
    ``shares`` (material_bone_shares, which reads every vertex) may come from a cache."""
    shares = material_bone_shares(obj) if shares is None else shares
    overrides = look["materials"] if look is not None else {}
    roles = []
    for index, slot in enumerate(obj.material_slots):
        material = original_material(slot.material)
        chosen = material.get(ROLE_KEY) if material is not None else None
        if chosen:
            roles.append((str(chosen), "user"))
        elif material is not None and overrides.get(material.name, {}).get("role"):
            roles.append((overrides[material.name]["role"], "look"))
        else:
            roles.append((classify_material(material, shares[index]), "auto"))
    return roles


def set_material_role(material: bpy.types.Material, role: str | None) -> None:
    """The user's role for a material (stored on it, saved with the .blend); None: automatic."""
    if role is None:
        if ROLE_KEY in material:
            del material[ROLE_KEY]
    else:
        material[ROLE_KEY] = role


def applied_look_name(obj: bpy.types.Object) -> str | None:
    """'NAME' or 'NAME:VARIANT' of the look an object wears, or None."""
    record = obj.get(APPLIED_KEY)
    if record is None:
        return None
    variant = str(record.get("variant", ""))
    return str(record["look"]) + (f":{variant}" if variant else "")


def apply_look(objects: list[bpy.types.Object], look: dict, scene: bpy.types.Scene) -> int:
    """Apply ``look`` to the given mesh objects (see look_targets); returns how many."""
    revert_look(objects, scene=None)
    _remember_scene(scene)
    toon.set_light_direction(scene)
    height = _model_height(objects)
    copies: dict[tuple, bpy.types.Material] = {}  # (original's pointer, role) -> toon copy
    outline_slots: dict[int, int] = {}  # mesh pointer -> its outline slot (meshes can be shared)
    for obj in objects:
        roles = [role for role, _ in material_roles(obj, look)]
        originals = [original_material(slot.material) for slot in obj.material_slots]
        mesh_key = obj.data.as_pointer()
        if mesh_key in outline_slots:
            originals = originals[: outline_slots[mesh_key]]
            roles = roles[: outline_slots[mesh_key]]
        record = {
            "look": look["name"],
            "variant": look["variant"],
            "slot_count": len(originals),
            # ID pointers, not names: they survive renames and keep the originals alive.
            "materials": {str(i): m for i, m in enumerate(originals) if m is not None},
            "outline_slot": -1,
            "modifiers": [],
            "foreign_edges": _hide_foreign_edges(obj),
        }
        for slot, original, role in zip(obj.material_slots, originals, roles, strict=False):
            if original is None or is_mmd_tools_edge(original):
                continue
            key = (original.as_pointer(), role)
            if key not in copies:
                base = look["materials"].get(original.name, {}).get("base")
                linear = srgb_to_linear(base) if base else None
                copies[key] = toon.make_toon_material(original, look, role, linear)
            slot.material = copies[key]
        # Line widths are per main role: brows are drawn as hair, the mouth as skin.
        categories = [
            main_role(role) if m is not None else "other"
            for m, role in zip(originals, roles, strict=True)
        ]
        lines = outline.slot_lines(originals, categories, look)
        if outline.wants_outline(look, [width for width, _ in lines]):
            outline.write_line_attributes(obj, lines)
            modifier = outline.add_outline(obj, look, height, outline_slots.get(mesh_key), scene)
            record["outline_slot"] = outline_slots.setdefault(
                mesh_key, outline.modifier_slot(modifier)
            )
            record["modifiers"] = [modifier.name]
        obj[APPLIED_KEY] = record
    _set_scene_look(scene, look)
    return len(objects)


def revert_look(objects: list[bpy.types.Object], scene: bpy.types.Scene | None) -> int:
    """Undo apply_look on these objects (and on the scene, when given); returns how many."""
    reverted = 0
    dropped: set[bpy.types.Material] = set()
    for obj in objects:
        record = obj.get(APPLIED_KEY)
        if record is None:
            continue
        for name in record["modifiers"]:
            modifier = obj.modifiers.get(name)
            if modifier is not None:
                obj.modifiers.remove(modifier)
        _restore_foreign_edges(obj, record.get("foreign_edges", {}))
        outline.remove_line_attributes(obj)
        group = obj.vertex_groups.get(record.get("vertex_group", ""))
        if group is not None:
            obj.vertex_groups.remove(group)
        slot_index = record["outline_slot"]
        materials = obj.data.materials
        # Another object sharing this mesh may have removed the slot already.
        if 0 <= slot_index < len(materials) and is_outline(materials[slot_index]):
            dropped.add(materials[slot_index])
            materials.pop(index=slot_index)
        originals = record["materials"]
        for index, slot in enumerate(obj.material_slots[: record["slot_count"]]):
            if slot.material is not None and slot.material.get(toon.TOON_OF_KEY) is not None:
                dropped.add(slot.material)
            slot.material = originals.get(str(index))
        del obj[APPLIED_KEY]
        reverted += 1
    for material in dropped:
        if material is not None and material.users == 0:
            bpy.data.materials.remove(material)
    # The scene's world and view transform go back once no model in it wears a look.
    if scene is not None and not any(o.get(APPLIED_KEY) is not None for o in scene.objects):
        _restore_scene(scene)
    return reverted


def _remember_scene(scene: bpy.types.Scene) -> None:
    if scene.get(SCENE_KEY) is None:
        scene[SCENE_KEY] = {
            "world": scene.world.name if scene.world else "",
            "view_transform": scene.view_settings.view_transform,
            "look": scene.view_settings.look,
        }


def _set_scene_look(scene: bpy.types.Scene, look: dict) -> None:
    world = bpy.data.worlds.get(WORLD_NAME) or bpy.data.worlds.new(WORLD_NAME)
    world.color = srgb_to_linear(look["background"])
    tree = world.node_tree
    if tree is not None:
        background = next((n for n in tree.nodes if n.bl_idname == "ShaderNodeBackground"), None)
        if background is not None:
            background.inputs["Color"].default_value = (*world.color, 1.0)
            background.inputs["Strength"].default_value = 1.0
    scene.world = world
    scene.view_settings.view_transform = "Standard"  # flat colors stay the designed colors
    scene.view_settings.look = "None"
    scene[SCENE_KEY]["name"] = look["name"]
    scene[SCENE_KEY]["variant"] = look["variant"]


def _restore_scene(scene: bpy.types.Scene) -> None:
    saved = scene.get(SCENE_KEY)
    if saved is None:
        return
    scene.world = bpy.data.worlds.get(saved["world"]) if saved["world"] else None
    scene.view_settings.view_transform = saved["view_transform"]
    scene.view_settings.look = saved["look"]
    del scene[SCENE_KEY]
    world = bpy.data.worlds.get(WORLD_NAME)
    if world is not None and world.users == 0:
        bpy.data.worlds.remove(world)


def scene_look_name(scene: bpy.types.Scene) -> str:
    """The name of the look last applied in this scene ("NAME:VARIANT" for a variant), or ""."""
    saved = scene.get(SCENE_KEY)
    if saved is None:
        return ""
    variant = str(saved.get("variant", ""))
    return str(saved.get("name", "")) + (f":{variant}" if variant else "")
