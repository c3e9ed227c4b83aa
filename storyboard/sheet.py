# SPDX-License-Identifier: GPL-3.0-or-later
"""Lays cuts out as storyboard (絵コンテ) pages: PNG per page plus one PDF. bpy-free.

Columns, as on a Japanese anime storyboard: cut number (カット) / picture (画面) /
action and dialogue (内容・セリフ) / time (秒) written as seconds+frames at the scene's fps.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

DPI = 150
PAGE_SIZES_MM = {"A4": (210, 297), "B4": (257, 364)}  # B4 is JIS B4, the studio standard
CUTS_PER_PAGE = 5
HEADERS = ("CUT", "PICTURE", "ACTION / DIALOGUE", "TIME")


@dataclass
class Cut:
    number: int
    name: str
    frame_start: int
    frame_end: int  # inclusive
    text: str = ""
    picture: np.ndarray | None = None  # H x W x 3 uint8 sRGB

    def duration(self) -> int:
        return self.frame_end - self.frame_start + 1


def timecode(frames: int, fps: float) -> str:
    """Anime storyboard time: whole seconds + remaining frames, e.g. 3+12."""
    per_second = max(1, round(fps))
    seconds, rest = divmod(max(0, frames), per_second)
    return f"{seconds}+{rest}"


def page_size_px(paper: str) -> tuple[int, int]:
    try:
        w_mm, h_mm = PAGE_SIZES_MM[paper.upper()]
    except KeyError:
        raise ValueError(
            f"paper must be one of {', '.join(PAGE_SIZES_MM)}, not {paper!r}"
        ) from None
    return round(w_mm / 25.4 * DPI), round(h_mm / 25.4 * DPI)


def _font(size: int, font_path: str | Path | None) -> ImageFont.ImageFont:
    if font_path:
        try:
            return ImageFont.truetype(str(font_path), size)
        except OSError:
            pass  # an unreadable font falls back to Pillow's own
    return ImageFont.load_default(size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    """Greedy wrap by characters (Japanese has no spaces to break at)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for char in paragraph:
            if draw.textlength(line + char, font=font) > width and line:
                lines.append(line)
                line = char.lstrip() if char == " " else char
            else:
                line += char
        lines.append(line)
    return lines


def _fit(picture: np.ndarray, box_w: int, box_h: int) -> Image.Image:
    image = Image.fromarray(picture)
    scale = min(box_w / image.width, box_h / image.height)
    size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
    return image.resize(size, Image.LANCZOS)


def render_pages(
    cuts: list[Cut],
    *,
    fps: float,
    title: str = "",
    paper: str = "A4",
    font_path: str | Path | None = None,
) -> list[Image.Image]:
    """The storyboard as page images, CUTS_PER_PAGE cuts a page."""
    if not cuts:
        raise ValueError("the storyboard has no cuts: add timeline or camera markers")
    page_w, page_h = page_size_px(paper)
    margin = page_w // 20
    header_h = page_h // 18
    font = _font(page_h // 70, font_path)
    title_font = _font(page_h // 50, font_path)
    cols = [0.08, 0.52, 0.28, 0.12]  # fractions of the table width
    table_w = page_w - 2 * margin
    col_x = [margin + round(sum(cols[:i]) * table_w) for i in range(len(cols) + 1)]
    row_h = (page_h - 2 * margin - header_h * 2) // CUTS_PER_PAGE
    pages = []
    page_count = -(-len(cuts) // CUTS_PER_PAGE)
    for page_index in range(page_count):
        page = Image.new("RGB", (page_w, page_h), "white")
        draw = ImageDraw.Draw(page)
        total = sum(c.duration() for c in cuts)
        draw.text((margin, margin), title, font=title_font, fill="black")
        info = f"{page_index + 1} / {page_count}    total {timecode(total, fps)}"
        draw.text((page_w - margin, margin), info, font=font, fill="black", anchor="ra")
        top = margin + header_h
        for i, label in enumerate(HEADERS):
            draw.rectangle((col_x[i], top, col_x[i + 1], top + header_h), outline="black", width=2)
            center = ((col_x[i] + col_x[i + 1]) // 2, top + header_h // 2)
            draw.text(center, label, font=font, fill="black", anchor="mm")
        top += header_h
        for cut in cuts[page_index * CUTS_PER_PAGE : (page_index + 1) * CUTS_PER_PAGE]:
            for i in range(len(HEADERS)):
                draw.rectangle((col_x[i], top, col_x[i + 1], top + row_h), outline="black", width=2)
            pad = margin // 4
            draw.text((col_x[0] + pad, top + pad), str(cut.number), font=title_font, fill="black")
            if cut.picture is not None:
                picture = _fit(cut.picture, col_x[2] - col_x[1] - 2 * pad, row_h - 2 * pad)
                page.paste(picture, (col_x[1] + pad, top + (row_h - picture.height) // 2))
                draw.rectangle(
                    (col_x[1] + pad, top + (row_h - picture.height) // 2,
                     col_x[1] + pad + picture.width, top + (row_h + picture.height) // 2),
                    outline="black", width=1,
                )  # fmt: skip
            lines = _wrap(draw, cut.text or cut.name, font, col_x[3] - col_x[2] - 2 * pad)
            line_h = round(font.size * 1.4)
            for n, line in enumerate(lines[: max(1, (row_h - 2 * pad) // line_h)]):
                draw.text((col_x[2] + pad, top + pad + n * line_h), line, font=font, fill="black")
            draw.text(
                (col_x[3] + pad, top + pad), timecode(cut.duration(), fps), font=font, fill="black"
            )
            top += row_h
        pages.append(page)
    return pages


def write_storyboard(
    cuts: list[Cut],
    out_dir: str | Path,
    *,
    fps: float,
    title: str = "",
    paper: str = "A4",
    font_path: str | Path | None = None,
) -> list[Path]:
    """Write page PNGs and storyboard.pdf into out_dir; returns the files written."""
    pages = render_pages(cuts, fps=fps, title=title, paper=paper, font_path=font_path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for i, page in enumerate(pages, start=1):
        path = out / f"storyboard_page{i:02d}.png"
        page.save(path, dpi=(DPI, DPI))
        written.append(path)
    pdf = out / "storyboard.pdf"
    pages[0].save(pdf, save_all=True, append_images=pages[1:], resolution=DPI)
    written.append(pdf)
    return written
