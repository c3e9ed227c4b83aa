# SPDX-License-Identifier: GPL-3.0-or-later
"""Temporarily set Blender properties and put every one of them back afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress


class Overrides:
    """Records the old value of each property it sets; ``restore`` puts them all back."""

    def __init__(self) -> None:
        self._saved: list[tuple[object, str, object]] = []
        self._keys: set[tuple[int, str]] = set()

    def save(self, owner: object, *attrs: str) -> None:
        """Remember values now, before setting one changes the others behind our back."""
        for attr in attrs:
            key = (owner.as_pointer(), attr)
            if key not in self._keys:
                self._keys.add(key)
                self._saved.append((owner, attr, getattr(owner, attr)))

    def set(self, owner: object, attr: str, value: object) -> None:
        self.save(owner, attr)
        if getattr(owner, attr) != value:
            setattr(owner, attr, value)

    def restore(self) -> None:
        # Some settings depend on others (an image's color depth on its file format): they
        # go back in the order saved (save the ruling setting first), and a second pass puts
        # back any value the first could not yet take.
        for owner, attr, old in self._saved:
            with suppress(TypeError, ValueError):
                setattr(owner, attr, old)
        for owner, attr, old in self._saved:
            if getattr(owner, attr) != old:
                setattr(owner, attr, old)
        self._saved.clear()
        self._keys.clear()


@contextmanager
def overriding() -> Iterator[Overrides]:
    """``with overriding() as o: o.set(render, "engine", "CYCLES")`` restores on exit."""
    overrides = Overrides()
    try:
        yield overrides
    finally:
        overrides.restore()
