# SPDX-License-Identifier: GPL-3.0-or-later
"""Layout passes and 2D skeleton keypoints: the scene side of the FrameBundle hand-off.

- passes.render_bundle: one render -> color, alpha, depth, normal, motion + keypoints;
- keypoints: OpenPose/COCO-18 joints from MMD bones, projected, with visibility;
- camera: output size, world -> pixel projection, camera metadata;
- outputs.write_layout: EXR, PNG previews, OpenPose image/JSON, bundles, manifest per run;
- dataset.write_dataset: random cameras, lights and looks around posed puppets;
- openpose, previews: bpy-free drawing and image helpers.
"""
