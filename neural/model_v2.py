# SPDX-License-Identifier: GPL-3.0-or-later
"""Generator v2: a layered, white-box painter that is crisp by construction.

A small network sees the whole input at 1/4 resolution and predicts, at 1/8, smooth maps of
coefficients; everything sharp is computed at full resolution from the render itself:

- fills: per pixel, output color = sum_k A_k * basis_k, where the basis holds the input
  color, coverage, a constant and ``bands`` learned cel masks (steep sigmoids of 1x1
  projections of color, normal and depth at full resolution). The coefficients A are
  upsampled bilinearly (smooth), the basis is not: an edge of the render stays an edge of
  the fill, and a cel band edge is as hard as its sigmoid (guided-filter style).
- shade bands (``color_bands``): more cel masks that multiply the input color, each with
  its own low-resolution 3x3 color matrix: the render's smooth shading becomes the style's
  hard-edged lit and shadow colors per pixel (a shadow is a darker, tinted copy of the
  design color, not an offset from it).
- lines: two 3x3 convolutions at full resolution on luminance, coverage, depth and normal
  give a line logit (plus a low-resolution bias: where the style draws lines), alpha-blended
  over the fills in a low-resolution line color. ``line_reach`` adds, at full resolution,
  rings around the silhouette and around depth steps at 1, 2, 4, ... px (max-pool
  dilations): a line drawn outside the figure, like an inverted hull's, lies several pixels
  from the edge a 5x5 stack of convolutions could see; low-resolution weights choose the
  ring, i.e. the line weight, per region.
- line scale (``line_scale``): the low-resolution branch also sees log2(frame height / 480):
  a target's line width in pixels grows with the frame (Freestyle's relative thickness, a
  hull outline's world width), and nothing in a frame's content says how large it is.
  Training crops pass the height their scale stands for (``frame_height``).
- depth steps (``depth_gain``): the far-side ring of a depth step is scaled by this gain
  before clipping: a strand of hair 2 % nearer than the body behind it left a ring of 0.02,
  which the line layer could not tell from a surface sloping away.
- photography: a low-resolution additive layer (bloom, diffusion, vignette are smooth).
- a small full-resolution residual (tanh, scaled) for texture the basis cannot express.
- albedo (``in_channels >= inputs.IN_CHANNELS_ALBEDO``): the unlit surface color joins the
  basis and the full-resolution guide, and the shade bands multiply it instead of the
  render's color: a cel fill is the design color, lit or shadowed, whatever the light did
  (black cloth stays black where a dim light made white cloth as dark).
- edges (``in_channels >= inputs.IN_CHANNELS_EDGES``, with the albedo group): the layout's
  mesh edges (silhouettes, open borders, creases: where a target's Freestyle lines lie)
  and their 1-px dilation join the line features, each with a low-resolution weight: the
  inner lines of hair strands and clothing that no depth or normal step shows.
- light (``in_channels == inputs.IN_CHANNELS_LIGHT``, with both groups above): N·L against
  the key light joins the full-resolution guide, so a cel mask can step where the look's
  toon shading steps, wherever the light stands (a 1x1 projection of the normal alone
  steps for one fixed light direction).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from . import inputs
from .model import config_from_dict

ARCH_VERSION_V2 = 2
LEAK = 0.1  # slope of the output clamp beyond [-1, 1] while training (as in v1)
BASIS_FIXED = 5  # color (3), coverage, constant
# full-res guide: the input's first channels, color (3), depth, normal (3), alpha: a view of
# the input tensor, no copy
GUIDE_CHANNELS = inputs.ALPHA + 1
RESIDUAL_SCALE = 0.1
MAX_REACH = 6  # rings up to 32 px
EDGE_FEATURES = 2  # the edges pass as is and grown by 1 px (a heavier line)
LINE_SCALE_HEIGHT = 480  # Freestyle's reference height: relative thickness 1 px at 480 px
LINE_SCALE_RANGE = (-2.0, 2.0)  # log2(height / 480), clipped: 120 to 1920 px


@dataclass(frozen=True)
class GeneratorV2Config:
    in_channels: int = inputs.IN_CHANNELS
    channels: int = 48  # low-resolution branch width
    blocks: int = 4
    bands: int = 4  # learned cel masks in the fill basis
    line_channels: int = 8  # hidden width of the full-resolution line layer
    color_bands: int = 0  # cel masks that multiply the color (0: off, as in the first packs)
    line_reach: int = 0  # dyadic ring radii of the line features (0: off; at most MAX_REACH)
    line_scale: bool = False  # the low-resolution branch sees the frame height (see above)
    depth_gain: float = 1.0  # scale of the depth-step rings before clipping (1: the first)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> GeneratorV2Config:
        return config_from_dict(cls, data)


def _act() -> nn.Module:
    return nn.LeakyReLU(0.2, inplace=True)


class _Block(nn.Module):
    """Inverted residual at 1/16 resolution, plus the frame's mean (global grading)."""

    def __init__(self, channels: int):
        super().__init__()
        hidden = channels * 2
        self.body = nn.Sequential(
            nn.Conv2d(channels, hidden, 1),
            _act(),
            nn.Conv2d(hidden, hidden, 3, padding=1, groups=hidden),
            _act(),
            nn.Conv2d(hidden, channels, 1),
        )
        self.glob = nn.Conv2d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x) + self.glob(x.mean((2, 3), keepdim=True))


class GeneratorV2(nn.Module):
    arch_version = ARCH_VERSION_V2

    def __init__(self, config: GeneratorV2Config | None = None):
        super().__init__()
        self.config = cfg = config or GeneratorV2Config()
        if cfg.line_reach > MAX_REACH:
            raise ValueError(f"line_reach is at most {MAX_REACH}, got {cfg.line_reach}")
        c = cfg.channels
        if cfg.in_channels not in inputs.LAYOUTS:
            raise ValueError(
                f"in_channels {cfg.in_channels} is none of the input layouts "
                f"({', '.join(map(str, inputs.LAYOUTS))})"
            )
        self.albedo, self.edges, self.light = inputs.input_groups(cfg.in_channels)
        guide_channels = GUIDE_CHANNELS + 3 * self.albedo + self.light
        self.basis_size = BASIS_FIXED + cfg.bands + 3 * cfg.color_bands + 3 * self.albedo
        # silhouette ring and depth-step ring per reach; the edges and their dilation
        self.reach_features = 2 * cfg.line_reach + EDGE_FEATURES * self.edges
        # heads at 1/8: fill coefficients (3 x basis; the constant's carry the photography's
        # glow), line bias (1), line color (3), weights of the reach features
        self.head_channels = 3 * self.basis_size + 4 + self.reach_features
        # + pixel coordinates (vignette, framing), + the line scale
        low_in = cfg.in_channels + 2 + int(cfg.line_scale)
        self.enc8 = nn.Sequential(nn.Conv2d(low_in, c, 3, 2, 1), _act())
        self.enc16 = nn.Sequential(nn.Conv2d(c, c, 3, 2, 1), _act())
        self.blocks = nn.Sequential(*[_Block(c) for _ in range(cfg.blocks)])
        self.fuse = nn.Sequential(nn.Conv2d(2 * c, c, 3, padding=1), _act())
        self.head = nn.Conv2d(c, self.head_channels, 1)
        # full resolution: cel masks from color + geometry, lines and residual from the guide
        self.bands = nn.Conv2d(guide_channels, cfg.bands + cfg.color_bands, 1)
        # replicate padding: zeros beyond the frame read as an edge (the background's color
        # is -1), and the line layer drew a frame around every picture
        self.line1 = nn.Conv2d(
            guide_channels + self.reach_features, cfg.line_channels, 3, padding=1,
            padding_mode="replicate",
        )  # fmt: skip
        self.line2 = nn.Conv2d(cfg.line_channels, 4, 3, padding=1, padding_mode="replicate")
        self.strip_pixels: int | None = None  # see forward
        self._init_identity()

    def _init_identity(self) -> None:
        """Start as the identity on color: A = I on the color basis, no lines, no glow."""
        nn.init.zeros_(self.head.weight)
        bias = torch.zeros(self.head_channels)
        for ch in range(3):
            bias[ch * self.basis_size + ch] = 1.0
        # line bias: almost no line (less saturated with the reach features, which must
        # learn from the start)
        bias[3 * self.basis_size] = -3.0 if self.reach_features else -4.0
        self.head.bias.data.copy_(bias)
        nn.init.normal_(self.bands.weight, std=2.0)
        nn.init.zeros_(self.line2.weight)
        nn.init.zeros_(self.line2.bias)

    def forward(
        self,
        x: torch.Tensor,
        return_features: bool = False,
        frame_height: torch.Tensor | None = None,
    ) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        """RGB in [-1, 1] (sRGB-encoded) for ``x`` (B, in_channels, H, W), any H and W;
        with ``return_features`` also the low-resolution branch's features at 1/8 and 1/16
        and its blocks' middle and end (for the unpaired trainer's patch-contrastive loss).
        ``frame_height`` (B,): the frame height in pixels each sample's scale stands for
        (a training crop resized by s stands for its frame's height times s); by default
        ``x``'s own height, which is right for whole frames. Read only with ``line_scale``.
        With ``strip_pixels`` set (inference on CPU), the full-resolution stage runs in
        strips of about that many pixels: the same picture, but its ~70 channels per pixel
        live in small tensors the allocator reuses, not in ~65 MB ones page-faulted in anew
        on every frame."""
        b, _, h, w = x.shape
        features: list[torch.Tensor] = []
        low = self._low_resolution(x, features, frame_height)  # (B, head, h/8, w/8)
        step = h
        if self.strip_pixels and not self.training:
            step = max(8, self.strip_pixels // max(1, b * w))
        source = low  # one strip: upsampled in one pass (rows [0, h) of low are all of it)
        if step < h:
            # bilinear upsampling is separable: down the height now (small: w/8 columns),
            # across the width strip by strip; each pass is F.interpolate's own
            source = F.interpolate(low, size=(h, low.shape[3]), mode="bilinear",
                                   align_corners=False)  # fmt: skip
        rings = None
        if self.config.line_reach:
            rings = reach_rings(alpha=x[:, inputs.ALPHA : inputs.ALPHA + 1],
                                depth=x[:, inputs.GEOMETRY.start : inputs.GEOMETRY.start + 1],
                                levels=self.config.line_reach,
                                depth_gain=self.config.depth_gain)  # fmt: skip
        if self.edges:
            edges = x[:, inputs.EDGES : inputs.EDGES + 1]
            edges = torch.cat([edges, _dilate(edges, 1)], 1)
            rings = edges if rings is None else torch.cat([rings, edges], 1)
        parts = [self._paint(x, source, rings, y0, min(h, y0 + step))
                 for y0 in range(0, h, step)]  # fmt: skip
        out = parts[0] if len(parts) == 1 else torch.cat(parts, 2)
        if return_features:
            return out, features
        return out

    def _paint(
        self,
        x: torch.Tensor,
        source: torch.Tensor,
        rings: torch.Tensor | None,
        y0: int,
        y1: int,
    ) -> torch.Tensor:
        """Output rows [y0, y1): fills, bands and lines at full resolution, from ``source``,
        the head's maps at full height (strips) or at 1/8 (one strip). The line layer's two
        3x3 convolutions read 2 rows beyond the strip (replicated at the frame's edge only,
        as the layer's padding does on a whole frame)."""
        h, w = x.shape[2:]
        s0, s1 = max(0, y0 - 2), min(h, y1 + 2)  # the strip with the line layer's halo
        up = F.interpolate(source[:, :, y0:y1], size=(y1 - y0, w), mode="bilinear",
                           align_corners=False)  # fmt: skip
        n = self.basis_size
        coeff = up[:, : 3 * n].unflatten(1, (3, n))
        line_bias = up[:, 3 * n : 3 * n + 1]
        line_color = torch.tanh(up[:, 3 * n + 1 : 3 * n + 4])

        xs = x[:, :, s0:s1]
        guide = xs[:, :GUIDE_CHANNELS]
        if self.albedo:
            guide = torch.cat([guide, xs[:, inputs.ALBEDO]], 1)
        if self.light:
            guide = torch.cat([guide, xs[:, inputs.LAMBERT : inputs.LAMBERT + 1]], 1)
        inner = slice(y0 - s0, y1 - s0)
        color = xs[:, inputs.COLOR, inner]
        shade_source = xs[:, inputs.ALBEDO, inner] if self.albedo else color
        alpha = xs[:, inputs.ALPHA : inputs.ALPHA + 1, inner]
        bands = torch.sigmoid(_pointwise(self.bands, guide[:, :, inner]))
        k = self.config.bands
        # sum_k A_k basis_k without stacking the basis into a new full-resolution tensor
        fill = (coeff[:, :, :3] * color[:, None]).sum(2)
        fill = fill + coeff[:, :, 3] * alpha + coeff[:, :, 4]
        fill = fill + (coeff[:, :, BASIS_FIXED : BASIS_FIXED + k] * bands[:, None, :k]).sum(2)
        for j in range(self.config.color_bands):
            start = BASIS_FIXED + k + 3 * j
            shaded = shade_source * bands[:, k + j : k + j + 1]
            fill = fill + (coeff[:, :, start : start + 3] * shaded[:, None]).sum(2)
        if self.albedo:
            fill = fill + (coeff[:, :, n - 3 :] * shade_source[:, None]).sum(2)

        line_in, reach_logit = guide, 0.0
        if rings is not None:
            weights = up[:, 3 * n + 4 :]
            reach_logit = (weights * rings[:, :, y0:y1]).sum(1, keepdim=True)
            line_in = torch.cat([guide, rings[:, :, s0:s1]], 1)
        line_out = self._lines(line_in, y0, y1, h)
        line = torch.sigmoid(line_out[:, :1] + line_bias + reach_logit)
        residual = RESIDUAL_SCALE * torch.tanh(line_out[:, 1:])
        raw = fill + line * (line_color - fill) + residual
        out = torch.clamp(raw, -1, 1)
        if self.training:
            out = out + LEAK * (raw - out)
        return out

    def _lines(self, line_in: torch.Tensor, y0: int, y1: int, h: int) -> torch.Tensor:
        """line2(leaky(line1(.))) for rows [y0, y1); ``line_in`` holds rows
        [max(0, y0 - 2), min(h, y1 + 2))."""
        # line1's rows [a, e) cover one row beyond the strip where the frame goes on
        a, e = max(0, y0 - 1), min(h, y1 + 1)
        src = F.pad(line_in, (1, 1, int(a == 0), int(e == h)), mode="replicate")
        hidden = F.leaky_relu(F.conv2d(src, self.line1.weight, self.line1.bias), 0.2)
        hidden = F.pad(hidden, (1, 1, int(y0 == 0), int(y1 == h)), mode="replicate")
        return F.conv2d(hidden, self.line2.weight, self.line2.bias)

    def _low_resolution(
        self,
        x: torch.Tensor,
        features: list[torch.Tensor],
        frame_height: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """The head's maps at 1/8; ``features`` receives the branch's features on the way."""
        b, _, h, w = x.shape
        h4, w4 = max(1, -(-h // 4)), max(1, -(-w // 4))
        small = F.adaptive_avg_pool2d(x, (h4, w4))
        ys = torch.linspace(-1, 1, h4, device=x.device, dtype=x.dtype)
        xs = torch.linspace(-1, 1, w4, device=x.device, dtype=x.dtype)
        coords = torch.stack(torch.meshgrid(ys, xs, indexing="ij"))[None].expand(b, -1, -1, -1)
        parts = [small, coords]
        if self.config.line_scale:
            parts.append(line_scale_map(b, h4, w4, h, frame_height, x))
        f8 = self.enc8(torch.cat(parts, 1))
        f16 = self.enc16(f8)
        half = len(self.blocks) // 2
        mid = self.blocks[:half](f16)
        body = self.blocks[half:](mid)
        features += [f8, f16, mid, body]
        up = F.interpolate(body, size=f8.shape[-2:], mode="bilinear", align_corners=False)
        return self.head(self.fuse(torch.cat([up, f8], 1)))


def line_scale_map(
    b: int,
    h: int,
    w: int,
    height: int,
    frame_height: torch.Tensor | None,
    like: torch.Tensor,
) -> torch.Tensor:
    """(B, 1, h, w) constant per sample: log2(frame height / LINE_SCALE_HEIGHT), clipped to
    LINE_SCALE_RANGE; the frame height is ``frame_height`` (B,) or ``height`` for all."""
    if frame_height is None:
        frame_height = torch.full((b,), float(height))
    scale = torch.log2(frame_height.to(like.device, like.dtype) / LINE_SCALE_HEIGHT)
    scale = scale.clamp(*LINE_SCALE_RANGE)
    return scale.reshape(b, 1, 1, 1).expand(b, 1, h, w)


def reach_rings(
    alpha: torch.Tensor, depth: torch.Tensor, levels: int, depth_gain: float = 1.0
) -> torch.Tensor:
    """(B, 2 * levels, H, W): for radii 1, 2, 4, ... px, the ring just outside the
    silhouette (dilated coverage minus coverage) and the ring on the far side of a depth
    step (dilated nearness minus nearness, times ``depth_gain``, clipped to [0, 1]; depth
    is nearness, 0 far). Dilations chained radius to radius, each pass only adding the
    difference."""
    both = torch.cat([alpha, depth], 1)
    rings, grown, radius = [], both, 0
    for level in range(levels):
        step = 2**level - radius
        radius += step
        grown = _dilate(grown, step)
        ring = grown - both
        steps = ring[:, 1:] if depth_gain == 1.0 else ring[:, 1:] * depth_gain
        rings += [ring[:, :1], torch.clamp(steps, 0, 1)]
    return torch.cat(rings, 1)


def _dilate(x: torch.Tensor, radius: int) -> torch.Tensor:
    """Max over a (2 radius + 1)² window, clipped at the frame: ``radius`` passes of 3-wide
    maxima per axis (elementwise: the rings at 512² took 2 ms, with max_pool2d 19 ms)."""
    for dim in (3, 2):
        for _ in range(radius):
            grown = x.clone()
            n = x.shape[dim]
            if n > 1:
                grown.narrow(dim, 1, n - 1).copy_(
                    torch.maximum(grown.narrow(dim, 1, n - 1), x.narrow(dim, 0, n - 1))
                )
                grown.narrow(dim, 0, n - 1).copy_(
                    torch.maximum(grown.narrow(dim, 0, n - 1), x.narrow(dim, 1, n - 1))
                )
            x = grown
    return x


def _pointwise(conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    """A 1x1 convolution as one matrix product (CPU convolution kernels are slow with so
    few channels at full resolution)."""
    b, c, h, w = x.shape
    weight = conv.weight.reshape(conv.out_channels, c)
    out = torch.matmul(weight, x.reshape(b, c, h * w)) + conv.bias[None, :, None]
    return out.reshape(b, conv.out_channels, h, w)


def build_generator_v2(
    config: GeneratorV2Config | None = None, seed: int | None = None
) -> GeneratorV2:
    """A v2 generator with deterministic initial weights when ``seed`` is given."""
    if seed is None:
        return GeneratorV2(config)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return GeneratorV2(config)
