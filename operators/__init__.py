# SPDX-License-Identifier: GPL-3.0-or-later
"""Thin bpy operators: validate, call the core functions, report. Each module exposes CLASSES."""
