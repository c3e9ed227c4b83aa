# SPDX-License-Identifier: GPL-3.0-or-later
"""Errors of the layout layer, reported to users as plain messages."""


class LayoutError(RuntimeError):
    """A layout pass cannot be produced (engine lacks it, no camera, unreadable render)."""
