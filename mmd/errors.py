# SPDX-License-Identifier: GPL-3.0-or-later
"""The one error type every MMD reader raises."""


class MMDFormatError(ValueError):
    """A file that is not a valid MMD file: names the file, the section and the byte offset."""

    def __init__(self, path: str, section: str, offset: int, message: str) -> None:
        self.path, self.section, self.offset = str(path), section, offset
        super().__init__(f"{path}: {section} at byte {offset}: {message}")
