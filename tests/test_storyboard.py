# SPDX-License-Identifier: GPL-3.0-or-later
"""Storyboard sheets: cuts from markers, pages, PDF."""

import re

import numpy as np
import pytest

from mmd2anime.storyboard.sheet import CUTS_PER_PAGE, Cut, page_size_px, timecode, write_storyboard


def test_timecode_is_seconds_plus_frames():
    assert timecode(24, 24) == "1+0"
    assert timecode(36, 24) == "1+12"
    assert timecode(5, 30) == "0+5"
    assert timecode(90, 29.97) == "3+0"


def test_pages_and_pdf(tmp_path):
    picture = np.zeros((90, 160, 3), np.uint8)
    picture[30:60, 60:100] = 255
    cuts = [
        Cut(i + 1, f"cut {i + 1}", i * 10, i * 10 + 9, "走る — runs", picture) for i in range(7)
    ]
    written = write_storyboard(cuts, tmp_path, fps=24, title="shot", paper="B4")
    pngs = [p for p in written if p.suffix == ".png"]
    assert len(pngs) == -(-7 // CUTS_PER_PAGE) == 2
    pdf = (tmp_path / "storyboard.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 2
    from PIL import Image

    page = np.asarray(Image.open(pngs[0]).convert("L"))
    assert page.shape[::-1] == page_size_px("B4")
    assert (page < 64).mean() > 0.005  # table lines and text are drawn
    # The cut picture's white square sits inside the picture column of the first row.
    assert (page > 250).mean() > 0.5


def test_unknown_paper_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="paper must be one of A4, B4"):
        write_storyboard([Cut(1, "", 1, 2)], tmp_path, fps=24, paper="Letter")


def test_no_cuts_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no cuts"):
        write_storyboard([], tmp_path, fps=24)


def _shot(bpy):
    scene = bpy.context.scene
    bpy.ops.mesh.primitive_cube_add()
    bpy.ops.object.light_add(type="SUN")
    cams = []
    for i in range(2):
        cam = bpy.data.objects.new(f"Cam{i}", bpy.data.cameras.new(f"Cam{i}"))
        cam.location = (7.0 - 14 * i, -7.0, 5.0)
        cam.rotation_euler = (1.1, 0.0, 0.8 - 1.6 * i)
        scene.collection.objects.link(cam)
        cams.append(cam)
    scene.camera = cams[0]
    scene.frame_start, scene.frame_end = 1, 60
    scene.render.fps = 24
    scene.timeline_markers.new("F_01", frame=1).camera = cams[0]
    m = scene.timeline_markers.new("振り向く", frame=25)
    m.camera = cams[1]
    return scene, cams


def test_cuts_from_markers_and_text_block(scene, bpy_module):
    from mmd2anime.storyboard.cuts import TEXT_BLOCK, collect_cuts

    scene, cams = _shot(bpy_module)
    bpy_module.data.texts.new(TEXT_BLOCK).write("1: 立っている\n振り向く: turns around\n")
    cuts = collect_cuts(scene)
    assert [(c.number, c.frame_start, c.frame_end) for c in cuts] == [(1, 1, 24), (2, 25, 60)]
    assert [c.text for c in cuts] == ["立っている", "turns around"]


def test_a_shot_without_markers_is_one_cut(scene, bpy_module):
    from mmd2anime.storyboard.cuts import collect_cuts

    scene.frame_start, scene.frame_end = 5, 16
    (cut,) = collect_cuts(scene)
    assert (cut.number, cut.frame_start, cut.frame_end, cut.text) == (1, 5, 16, "")


def test_cut_pictures_come_from_each_cuts_camera(scene, bpy_module):
    from mmd2anime.storyboard.cuts import collect_cuts, render_pictures

    scene, cams = _shot(bpy_module)
    seen = []

    def fake_render(s):
        seen.append((s.camera.name, s.frame_current))
        return np.zeros((8, 8, 3), np.uint8)

    scene.frame_set(40)
    cuts = render_pictures(scene, collect_cuts(scene), fake_render)
    assert seen == [("Cam0", 1), ("Cam1", 25)]
    assert all(c.picture is not None for c in cuts)
    assert scene.frame_current == 40


def test_render_still_gives_real_pixels(scene, bpy_module):
    from mmd2anime.storyboard.cuts import render_still

    scene, _ = _shot(bpy_module)
    scene.render.engine = "CYCLES"
    scene.cycles.samples = 1
    scene.render.resolution_x, scene.render.resolution_y = 64, 48
    image = render_still(scene)
    assert image.shape == (48, 64, 3) and image.dtype == np.uint8
    assert image.std() > 1  # the cube is visible against the world
    assert scene.render.filepath == "/tmp/"


def test_export_storyboard_operator_writes_pdf(scene, bpy_module, tmp_path):
    scene, _ = _shot(bpy_module)
    scene.render.engine = "CYCLES"
    scene.cycles.samples = 1
    scene.render.resolution_x, scene.render.resolution_y = 64, 36
    scene.mmd2anime.output_dir = str(tmp_path)
    assert bpy_module.ops.mmd2anime.export_storyboard() == {"FINISHED"}
    assert (tmp_path / "storyboard" / "storyboard.pdf").stat().st_size > 0
    assert (tmp_path / "storyboard" / "storyboard_page01.png").is_file()


def test_export_storyboard_refuses_unsaved_relative_folder(scene, bpy_module):
    scene, _ = _shot(bpy_module)
    scene.mmd2anime.output_dir = "//boards/"
    with pytest.raises(RuntimeError, match="save the file first"):
        bpy_module.ops.mmd2anime.export_storyboard()


def test_export_storyboard_needs_a_camera(scene, bpy_module):
    assert not bpy_module.ops.mmd2anime.export_storyboard.poll()
