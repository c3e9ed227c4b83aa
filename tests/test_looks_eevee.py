# SPDX-License-Identifier: GPL-3.0-or-later
"""The same toon shading in EEVEE (its first render compiles shaders: about 35 s here)."""

import numpy as np
import pytest
import standin_figure

from mmd2anime.shaders import apply, looks, render_look


@pytest.mark.slow
@pytest.mark.egl
def test_eevee_renders_storyboard_bands_and_lines(scene, requires_egl):
    figure = standin_figure.build(scene, size=128)
    scene.render.engine = "BLENDER_EEVEE"
    scene.eevee.taa_render_samples = 4
    scene.render.filter_size = 0.01  # no reconstruction blur: flat bands stay flat
    look = looks.load_look("storyboard")
    look["line"]["width"] = 0.02  # about 2 px at this size
    apply.apply_look(apply.look_targets([figure]), look, scene)
    color, alpha = render_look.render_look(scene, look)
    image = render_look.to_srgb8(color).astype(int)
    assert np.ptp(image, axis=2).max() <= 3  # greyscale
    assert (image[alpha < 0.02] >= 250).all()  # white paper
    figure_pixels = image[alpha > 0.99, 0]
    lit = (figure_pixels >= 245).mean()  # the white lit band
    shadow = ((figure_pixels >= 160) & (figure_pixels <= 190)).mean()  # the #b3b3b3 band
    assert lit > 0.1 and shadow > 0.1, (lit, shadow)
    assert (figure_pixels < 40).sum() > 100  # outline pixels
