# SPDX-License-Identifier: GPL-3.0-or-later
"""The generator's input tensor, built from a FrameBundle (bpy-free, numpy only).

Channel layout (``CHANNELS``), all H x W float32:

- color (3): sRGB-encoded toon color scaled to [-1, 1]
- geometry (5): depth as ``median_character_depth / depth`` (character ~1, background 0),
  camera-space normal (3), alpha
- skeleton (24): 18 keypoint Gaussian heatmaps (1 visible, 0.5 occluded) and 6 limb-group
  maps (soft line segments; left/right kept apart, torso and head on their own)
- masks (3): one constant channel per group (color, geometry, skeleton): 1 when the group
  holds data, so a missing group reads as zeros + mask 0 and one network serves both MMD
  bundles and plain frames (anime2anime: color only).
- albedo (4, only for packs that take it: ``build_inputs(..., albedo=True)``): the unlit
  surface color like color, and its mask; appended, so the first channels keep their
  places and the packs made before it load as they were.
- edges (2, only for packs that take them: ``build_inputs(..., edges=True)``, which also
  brings the albedo group): the mesh edges a line artist would ink (``bundle.edges``, 0..1)
  and their mask; appended after the albedo group.
- light (2, only for packs that take it: ``build_inputs(..., light=True)``, which also brings
  the albedo and edges groups): N·L, the camera-space normal against the direction toward
  the key light (``bundle.light``), which a look's cel bands step on, and its mask;
  appended after the edges group. The render's own shading cannot stand in for it: under a
  dim or overhead light it is faint, and MMD's toon ramps shade by another rule.
"""

from __future__ import annotations

import numpy as np

from ..bundle import FrameBundle

KEYPOINTS = 18
# The 17 OpenPose limbs as (from, to) keypoint indices, grouped for speed: one channel per
# group keeps the stem cheap while left and right stay distinguishable.
LIMB_GROUPS: tuple[tuple[tuple[int, int], ...], ...] = (
    ((1, 2), (1, 5), (1, 8), (1, 11)),  # torso: neck to shoulders and hips
    ((2, 3), (3, 4)),  # right arm
    ((5, 6), (6, 7)),  # left arm
    ((8, 9), (9, 10)),  # right leg
    ((11, 12), (12, 13)),  # left leg
    ((1, 0), (0, 14), (14, 16), (0, 15), (15, 17)),  # head
)
CHANNELS: tuple[str, ...] = (
    ("color_r", "color_g", "color_b", "depth", "normal_x", "normal_y", "normal_z", "alpha")
    + tuple(f"heatmap_{i}" for i in range(KEYPOINTS))
    + ("limbs_torso", "limbs_r_arm", "limbs_l_arm", "limbs_r_leg", "limbs_l_leg", "limbs_head")
    + ("mask_color", "mask_geometry", "mask_skeleton")
)
IN_CHANNELS = len(CHANNELS)
COLOR = slice(0, 3)
GEOMETRY = slice(3, 8)
ALPHA = 7  # coverage, the last geometry channel
SKELETON = slice(8, 8 + KEYPOINTS + len(LIMB_GROUPS))
MASKS = slice(IN_CHANNELS - 3, IN_CHANNELS)
ALBEDO_CHANNELS: tuple[str, ...] = ("albedo_r", "albedo_g", "albedo_b", "mask_albedo")
IN_CHANNELS_ALBEDO = IN_CHANNELS + len(ALBEDO_CHANNELS)
ALBEDO = slice(IN_CHANNELS, IN_CHANNELS + 3)
ALBEDO_MASK = IN_CHANNELS + 3
EDGES_CHANNELS: tuple[str, ...] = ("edges", "mask_edges")
IN_CHANNELS_EDGES = IN_CHANNELS_ALBEDO + len(EDGES_CHANNELS)
EDGES = IN_CHANNELS_ALBEDO
EDGES_MASK = EDGES + 1
LIGHT_CHANNELS: tuple[str, ...] = ("lambert", "mask_light")
IN_CHANNELS_LIGHT = IN_CHANNELS_EDGES + len(LIGHT_CHANNELS)
LAMBERT = IN_CHANNELS_EDGES
LIGHT_MASK = LAMBERT + 1
# the input layouts a pack may have been made for, by channel count
LAYOUTS: dict[int, tuple[str, ...]] = {
    IN_CHANNELS: CHANNELS,
    IN_CHANNELS_ALBEDO: CHANNELS + ALBEDO_CHANNELS,
    IN_CHANNELS_EDGES: CHANNELS + ALBEDO_CHANNELS + EDGES_CHANNELS,
    IN_CHANNELS_LIGHT: CHANNELS + ALBEDO_CHANNELS + EDGES_CHANNELS + LIGHT_CHANNELS,
}
NORMALIZATION = {
    "color": "linear -> sRGB transfer, then 2x-1 to [-1, 1]",
    "depth": "median character depth / depth, clipped to [0, 4]; background 0",
    "normal": "camera-space unit normal as is; background 0",
    "alpha": "coverage 0..1",
    "skeleton": "Gaussian heatmaps sigma = max(1.5, 0.012 * min(H, W)) px; limbs half-width sigma",
    "masks": "constant 1 when the group is present, else 0",
}
ALBEDO_NORMALIZATION = {"albedo": "as color; mask 1 when present, else albedo 0 and mask 0"}
EDGES_NORMALIZATION = {"edges": "0..1 as rendered; mask 1 when present, else edges 0 and mask 0"}
LIGHT_NORMALIZATION = {
    "light": "normal . direction toward the key light, -1..1, background 0; mask 1 when the "
    "bundle has both, else 0"
}
DEPTH_CLIP = 4.0


def channel_count(albedo: bool = False, edges: bool = False, light: bool = False) -> int:
    """The channel count of the layout with the optional groups asked for (each comes with
    the ones before it: edges with albedo, light with both)."""
    if light:
        return IN_CHANNELS_LIGHT
    return IN_CHANNELS_EDGES if edges else IN_CHANNELS_ALBEDO if albedo else IN_CHANNELS


def input_groups(in_channels: int) -> tuple[bool, bool, bool]:
    """(albedo, edges, light): which optional groups the layout of ``in_channels`` holds."""
    return (
        in_channels >= IN_CHANNELS_ALBEDO,
        in_channels >= IN_CHANNELS_EDGES,
        in_channels >= IN_CHANNELS_LIGHT,
    )


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """The sRGB transfer function on [0, 1] (values outside are clipped). numpy only: the
    layout previews use it in a Blender without torch."""
    x = _unit(linear)
    out = np.power(x, 1 / 2.4, out=np.empty_like(x))  # in place: one power, one branch
    out *= 1.055
    out -= 0.055
    low = x <= 0.0031308
    out[low] = x[low] * 12.92
    return out


def srgb_to_linear(srgb: np.ndarray) -> np.ndarray:
    x = _unit(srgb)
    out = np.add(x, 0.055, out=np.empty_like(x))
    out /= 1.055
    np.power(out, 2.4, out=out)
    low = x <= 0.04045
    out[low] = x[low] / 12.92
    return out


def _unit(values) -> np.ndarray:
    """``values`` as a float array (0-d stays an array, so masks can assign) in [0, 1]."""
    a = np.asarray(values)
    if not np.issubdtype(a.dtype, np.floating):
        a = a.astype(np.float64)
    return np.clip(a, 0.0, 1.0, out=np.empty_like(a))


def codes16(values: np.ndarray) -> np.ndarray:
    """[0, 1] values as 16-bit codes for table lookups (NaN and below 0 -> 0, above -> 65535).
    16 bits keep a transfer's error far below an 8-bit level (1/65535 linear is 0.05 sRGB
    levels near black)."""
    scaled = np.multiply(values, 65535, dtype=np.float32)
    np.fmax(scaled, 0, out=scaled)  # fmax, not clip: NaN becomes 0
    np.fmin(scaled, 65535, out=scaled)
    scaled += 0.5
    return scaled.astype(np.uint16)


# linear -> sRGB scaled to [-1, 1] by table: one lookup per value instead of a power (color
# and albedo were a third of the input building)
_LINEAR16_TO_INPUT = (linear_to_srgb(np.arange(65536) / 65535) * 2 - 1).astype(np.float32)


def _encode_color(linear: np.ndarray) -> np.ndarray:
    """(h, w, 3) linear -> (3, h, w) input channels (NaN -> black)."""
    return np.moveaxis(_LINEAR16_TO_INPUT[codes16(linear)], -1, 0)


def keypoint_sigma(width: int, height: int) -> float:
    """Heatmap spread in pixels: grows with the frame so the maps look alike at any size."""
    return max(1.5, 0.012 * min(width, height))


def depth_reference(bundle: FrameBundle) -> float | None:
    """The character's median depth (the scale that maps it to ~1), None without depth."""
    if bundle.depth is None:
        return None
    depth = bundle.depth
    valid = np.isfinite(depth) & (depth > 0)
    if bundle.alpha is not None:
        valid &= bundle.alpha > 0.5
    if not valid.any():
        return None
    return float(np.median(depth[valid]))


def build_inputs(
    bundle: FrameBundle,
    region: tuple[int, int, int, int] | None = None,
    depth_ref: float | None = None,
    albedo: bool = False,
    edges: bool = False,
    light: bool = False,
) -> np.ndarray:
    """The (IN_CHANNELS, h, w) float32 input for ``bundle``, or for its pixel ``region``
    (x0, y0, x1, y1) when tiling; ``depth_ref`` then comes from :func:`depth_reference`
    of the whole frame so tiles share one depth scale. ``albedo``: the IN_CHANNELS_ALBEDO
    layout, with the albedo group; ``edges``: the IN_CHANNELS_EDGES layout, with the albedo
    and edges groups; ``light``: the IN_CHANNELS_LIGHT layout, with all three."""
    x0, y0, x1, y1 = region or (0, 0, bundle.width, bundle.height)
    h, w = y1 - y0, x1 - x0
    edges = edges or light
    albedo = albedo or edges
    out = np.zeros((channel_count(albedo, edges, light), h, w), np.float32)
    crop = (slice(y0, y1), slice(x0, x1))
    if light and bundle.light is not None and bundle.normal is not None:
        direction = np.asarray(bundle.light, np.float32)
        direction /= max(float(np.linalg.norm(direction)), 1e-12)
        np.dot(np.nan_to_num(bundle.normal[crop]), direction, out=out[LAMBERT])
        out[LIGHT_MASK] = 1
    if edges and bundle.edges is not None:
        out[EDGES] = bundle.edges[crop]
        out[EDGES_MASK] = 1
    if bundle.color is not None:
        out[COLOR] = _encode_color(bundle.color[crop])
        out[MASKS.start] = 1
    if albedo and bundle.albedo is not None:
        out[ALBEDO] = _encode_color(bundle.albedo[crop])
        out[ALBEDO_MASK] = 1
    if bundle.depth is not None or bundle.normal is not None or bundle.alpha is not None:
        out[MASKS.start + 1] = 1
        if bundle.depth is not None:
            ref = depth_ref if depth_ref is not None else depth_reference(bundle)
            depth = bundle.depth[crop]
            if ref is not None:
                with np.errstate(divide="ignore", invalid="ignore"):
                    inv = np.where(np.isfinite(depth) & (depth > 0), ref / depth, 0.0)
                out[3] = np.clip(inv, 0.0, DEPTH_CLIP)
        if bundle.normal is not None:
            out[4:7] = np.moveaxis(np.nan_to_num(bundle.normal[crop]), -1, 0)
        if bundle.alpha is not None:
            out[ALPHA] = bundle.alpha[crop]
    if len(bundle.people):
        out[MASKS.start + 2] = 1
        sigma = keypoint_sigma(bundle.width, bundle.height)
        points = bundle.keypoints - np.array([x0, y0], np.float32)
        _rasterize_skeleton(out[SKELETON], points, bundle.visibility, sigma)
    return out


def _keypoint_weight(visibility: np.ndarray, points: np.ndarray) -> np.ndarray:
    weight = np.where(visibility == 2, 1.0, np.where(visibility == 1, 0.5, 0.0))
    return np.where(np.isfinite(points).all(axis=-1), weight, 0.0)


def _rasterize_skeleton(
    maps: np.ndarray, points: np.ndarray, visibility: np.ndarray, sigma: float
) -> None:
    """Draw heatmaps and limb groups into ``maps`` (max over people), each in its own
    bounding window so cost follows the skeleton's size, not the frame's."""
    _, h, w = maps.shape
    reach = 3 * sigma
    for person, vis in zip(points, visibility, strict=True):
        weight = _keypoint_weight(vis, person)
        for k in range(KEYPOINTS):
            if weight[k] == 0:
                continue
            x, y = person[k]
            win = _window(x - reach, y - reach, x + reach, y + reach, w, h)
            if win is None:
                continue
            xs, ys = _pixel_centers(win)
            # Separable Gaussian: one outer product per keypoint.
            g = np.outer(
                np.exp(-((ys - y) ** 2) / (2 * sigma**2)), np.exp(-((xs - x) ** 2) / (2 * sigma**2))
            )
            _max_into(maps[k], win, weight[k] * g)
        for group, limbs in enumerate(LIMB_GROUPS):
            for a, b in limbs:
                strength = min(weight[a], weight[b])
                if strength == 0:
                    continue
                _draw_segment(maps[KEYPOINTS + group], person[a], person[b], sigma, strength)


def _draw_segment(
    canvas: np.ndarray, a: np.ndarray, b: np.ndarray, sigma: float, strength: float
) -> None:
    h, w = canvas.shape
    reach = 3 * sigma
    win = _window(
        min(a[0], b[0]) - reach,
        min(a[1], b[1]) - reach,
        max(a[0], b[0]) + reach,
        max(a[1], b[1]) + reach,
        w,
        h,
    )
    if win is None:
        return
    xs, ys = _pixel_centers(win)
    px, py = xs[None, :] - a[0], ys[:, None] - a[1]
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    t = np.clip((px * dx + py * dy) / length2, 0, 1) if length2 > 0 else 0.0
    dist2 = (px - t * dx) ** 2 + (py - t * dy) ** 2
    _max_into(canvas, win, strength * np.exp(-dist2 / (2 * sigma**2)))


def _window(x0: float, y0: float, x1: float, y1: float, w: int, h: int):
    ix0, iy0 = max(0, int(np.floor(x0))), max(0, int(np.floor(y0)))
    ix1, iy1 = min(w, int(np.ceil(x1)) + 1), min(h, int(np.ceil(y1)) + 1)
    if ix0 >= ix1 or iy0 >= iy1:
        return None
    return ix0, iy0, ix1, iy1


def _pixel_centers(win: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    # Keypoints use the top-left pixel corner as origin, so pixel i's center is i + 0.5.
    ix0, iy0, ix1, iy1 = win
    return np.arange(ix0, ix1) + 0.5, np.arange(iy0, iy1) + 0.5


def _max_into(canvas: np.ndarray, win: tuple[int, int, int, int], values: np.ndarray) -> None:
    ix0, iy0, ix1, iy1 = win
    np.maximum(canvas[iy0:iy1, ix0:ix1], values, out=canvas[iy0:iy1, ix0:ix1])


def image_bundle(linear_rgb: np.ndarray) -> FrameBundle:
    """A color-only bundle for a plain frame (anime2anime)."""
    h, w = linear_rgb.shape[:2]
    return FrameBundle(width=w, height=h, color=np.ascontiguousarray(linear_rgb, np.float32))
