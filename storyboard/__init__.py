# SPDX-License-Identifier: GPL-3.0-or-later
"""Storyboard sheets (絵コンテ): cuts from the shot's markers, laid out on A4/B4 pages."""
