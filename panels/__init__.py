# SPDX-License-Identifier: GPL-3.0-or-later
"""The "MMD2Anime" tab of the 3D Viewport sidebar. Each module exposes CLASSES."""
