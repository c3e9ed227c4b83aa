# SPDX-License-Identifier: GPL-3.0-or-later
"""The neural stylizer (bpy-free: torch, numpy, safetensors).

- ``inputs``: FrameBundle -> generator input tensor (color, geometry, skeleton, masks)
- ``model``: the generator (``GENERATOR_ARCH``, ``ARCH_VERSION``, ``GeneratorConfig``)
- ``pack``: style packs (.safetensors + JSON metadata), ``StylePackError``
- ``stylize``: ``Stylizer`` and the ``python -m mmd2anime.neural.stylize`` command line
- ``temporal``: motion-vector warping, occlusion masks, blending, warping error
- ``synthetic``: a panning FrameBundle sequence with exact motion, for tests and benches
"""
