"""The view the simulated camera films: a yard with a house, a fence, trees and a lawn that
a person walks across, captioned with the channel and the time like a camera's picture.

Drawn with Pillow and numpy, every surface with fine detail so that a blurred frame differs
clearly from a sharp one; media.py encodes the frames into clips and stills.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
import math
import random
from statistics import NormalDist
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFilter, ImageFont

# The scene is laid out on a 320x240 grid and scaled: `_unit` is one cell of it in pixels,
# so fine detail and blur grow together with the frame.
_LAYOUT_WIDTH: Final = 320
_LAYOUT_HEIGHT: Final = 240
_OVERLAY_MARGIN: Final = 4
_OVERLAY_SIZE: Final = 10  # the default font's size at 320x240
_OVERLAY_TIME: Final = "%Y-%m-%d %H:%M:%S"
# Sensor noise: a normal distribution of 3 levels' deviation, as 256 equally likely steps
# (a random byte picks one: far quicker than drawing normal samples for a 4K frame). About
# what a fair camera shows in daylight; it is most of what an encoded clip's size is.
_NOISE_LEVELS: Final = np.array(
    [round(NormalDist(0, 3).inv_cdf((step + 0.5) / 256)) for step in range(256)], dtype=np.int16
)

type _Color = tuple[float, float, float]
type _Plane = NDArray[np.floating[Any]]
type _Mask = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class _Walk:
    """A person crossing the lawn: from where to where (fractions of the width), and clothes."""

    start: float
    end: float
    coat: tuple[int, int, int]
    trousers: tuple[int, int, int]


def _unit(width: int, height: int) -> float:
    return max(0.1, min(width / _LAYOUT_WIDTH, height / _LAYOUT_HEIGHT))


def _cells(rng: np.random.Generator, height: int, width: int, cell_h: int, cell_w: int) -> _Plane:
    """Random values in [0, 1) held constant over cells of cell_h x cell_w pixels."""
    rows = -(-height // cell_h)
    cols = -(-width // cell_w)
    values = rng.random((rows, cols), dtype=np.float32)
    return np.repeat(np.repeat(values, cell_h, axis=0), cell_w, axis=1)[:height, :width]


def _paint(canvas: _Plane, mask: _Mask, color: _Color, shade: _Plane) -> None:
    """Colour the masked pixels, each scaled by its shade (texture and light)."""
    canvas[mask] = np.asarray(color, dtype=np.float32) * shade[mask][:, None]


@lru_cache(maxsize=4)
def _backdrop(width: int, height: int, seed: int) -> Image.Image:
    """The still part of the view: sky, trees, a brick house, a fence, a lawn and a path.

    Every surface carries detail about one layout cell wide (mortar, plank gaps, leaves,
    grass, grain): the detail a blur wipes out, so a sharp frame stands out from blurred ones.
    """
    rng = np.random.default_rng(seed)
    layout = random.Random(seed)
    u = _unit(width, height)
    d = max(1, round(u))  # finest detail: one layout cell, at least one pixel
    ys = np.arange(height, dtype=np.float32)[:, None]
    xs = np.arange(width, dtype=np.float32)[None, :]
    grain = rng.random((height, width), dtype=np.float32) - np.float32(0.5)
    canvas = np.empty((height, width, 3), dtype=np.float32)
    horizon = 0.42 * height

    # Sky: deeper blue overhead, hazy at the horizon, with a few clouds; or overcast.
    clear = layout.random() < 0.75
    top: _Color = (88, 138, 204) if clear else (146, 154, 166)
    low: _Color = (192, 212, 232) if clear else (204, 208, 212)
    t = np.clip(ys / max(horizon, 1.0), 0, 1) * np.ones_like(xs)
    for plane in range(3):
        canvas[..., plane] = top[plane] + (low[plane] - top[plane]) * t
    sky_rows = min(height, math.ceil(horizon))
    cover = np.zeros((sky_rows, width), dtype=np.float32)
    for _ in range(layout.randint(2, 4) if clear else 0):
        cx, cy = layout.random() * width, (0.04 + 0.2 * layout.random()) * height
        for _ in range(5):
            px = cx + (layout.random() - 0.5) * 60 * u
            py = cy + (layout.random() - 0.5) * 8 * u
            rx, ry = (12 + 12 * layout.random()) * u, (5 + 4 * layout.random()) * u
            puff = np.exp(-(((xs - px) / rx) ** 2) - ((ys[:sky_rows] - py) / ry) ** 2)
            cover = np.maximum(cover, puff)
    canvas[:sky_rows] += (np.float32(246) - canvas[:sky_rows]) * (0.85 * cover)[..., None]

    # Distant trees along the horizon, their top edge bumpy.
    phase = layout.random() * 2 * math.pi
    treeline = horizon - height * (
        0.05 + 0.02 * np.sin(xs / (9 * u) + phase) + 0.012 * np.sin(xs / (3.1 * u) + 2 * phase)
    )
    far = (ys >= treeline) & (ys < horizon + 2 * u)
    _paint(canvas, far, (58, 84, 52), 0.7 + 0.6 * _cells(rng, height, width, d, d))

    # Lawn: blades as short vertical streaks, darker towards the camera.
    lawn = (ys >= horizon) & (xs >= 0)
    blades = _cells(rng, height, width, 3 * d, d)
    depth = np.clip((ys - horizon) / max(height - horizon, 1.0), 0, 1)
    _paint(canvas, lawn, (92, 136, 64), 1.05 - 0.25 * depth + 0.55 * (blades - 0.5) + 0.3 * grain)

    house_right = layout.random() < 0.5
    x0, x1 = (0.50 * width, 0.96 * width) if house_right else (0.04 * width, 0.50 * width)
    span = x1 - x0
    base = 0.60 * height
    eaves = 0.30 * height
    ridge = 0.12 * height

    # Path from the door to the bottom edge, paved in rows that shrink with distance.
    door_x = (x0 + x1) / 2 + span * (0.22 if house_right else -0.22)
    t = np.clip((ys - base) / max(height - base, 1.0), 0, 1)
    lateral = (xs - door_x) / ((0.05 + 0.2 * t) * width)
    path = (ys >= base) & (np.abs(lateral) <= 1)
    rows = np.floor(2.2 / (t + 0.12))
    row_seam = np.roll(rows, -d, axis=0) != rows
    col_seam = np.abs(((lateral * 2 + (rows % 2) * 0.5) % 1) - 0.5) > 0.5 - 0.06 / (0.3 + t)
    seam = row_seam | col_seam
    stones = _cells(rng, height, width, 2 * d, 2 * d)
    _paint(canvas, path & ~seam, (168, 164, 156), 1.0 + 0.15 * (stones - 0.5) + 0.3 * grain)
    _paint(canvas, path & seam, (96, 94, 90), 1 + 0.2 * grain)

    # Fence across the rest of the yard: planks with dark gaps and a grain along them.
    f0, f1 = (0.0, x0) if house_right else (x1, float(width))
    plank = 7 * d
    tops = horizon - height * (0.03 + 0.01 * ((xs // plank) % 3))
    fence = (ys >= tops) & (ys < 0.58 * height) & (xs >= f0) & (xs < f1)
    gap = (xs % plank) < d
    wood = _cells(rng, height, width, 5 * d, d)
    _paint(canvas, fence & ~gap, (150, 108, 70), 0.85 + 0.4 * (wood - 0.5) + 0.25 * grain)
    _paint(canvas, fence & gap, (62, 44, 30), 1 + 0.2 * grain)
    rail = fence & (np.abs(ys - 0.5 * height) < 1.5 * d)
    _paint(canvas, rail, (120, 84, 54), 1 + 0.3 * grain)

    # House: brick wall with a window and a door, under a tiled roof.
    wall = (ys >= eaves) & (ys < base) & (xs >= x0) & (xs < x1)
    brick_h, brick_w = 4 * d, 10 * d
    course = ys // brick_h
    shift = (course % 2) * (brick_w // 2)
    mortar = ((ys % brick_h) < d) | (((xs + shift) % brick_w) < d)
    tones = rng.random((64, 64), dtype=np.float32)
    brick = tones[(course % 64).astype(np.intp), (((xs + shift) // brick_w) % 64).astype(np.intp)]
    red = layout.choice([(156, 74, 52), (170, 96, 64), (140, 88, 72)])
    _paint(canvas, wall & ~mortar, red, 0.8 + 0.4 * brick + 0.3 * grain)
    _paint(canvas, wall & mortar, (196, 190, 178), 1 + 0.15 * grain)

    wx0 = x0 + span * (0.12 if house_right else 0.54)
    wx1 = wx0 + span * 0.34
    wy0, wy1 = eaves + (base - eaves) * 0.18, eaves + (base - eaves) * 0.62
    rim = 2 * d
    window = (ys >= wy0) & (ys < wy1) & (xs >= wx0) & (xs < wx1)
    glass = (ys >= wy0 + rim) & (ys < wy1 - rim) & (xs >= wx0 + rim) & (xs < wx1 - rim)
    bars = (np.abs(xs - (wx0 + wx1) / 2) < d) | (np.abs(ys - (wy0 + wy1) / 2) < d)
    sheen = 0.7 + 0.5 * np.clip((xs - wx0 - (ys - wy0)) / max(wx1 - wx0, 1.0), 0, 1)
    _paint(canvas, window, (232, 232, 226), 1 + 0.1 * grain)
    _paint(canvas, glass & ~bars, (70, 92, 112), sheen + 0.1 * grain)
    _paint(canvas, glass & bars, (232, 232, 226), 1 + 0.1 * grain)

    dx0, dx1 = door_x - span * 0.09, door_x + span * 0.09
    door = (ys >= eaves + (base - eaves) * 0.3) & (ys < base) & (xs >= dx0) & (xs < dx1)
    boards = door & (((xs - dx0) % (4 * d)) < d)
    _paint(canvas, door & ~boards, (96, 62, 40), 0.9 + 0.3 * _cells(rng, height, width, 6 * d, d))
    _paint(canvas, boards, (58, 36, 24), 1 + 0.2 * grain)
    knob = (np.abs(xs - (dx1 - 3 * d)) <= d) & (np.abs(ys - (base - (base - eaves) * 0.35)) <= d)
    _paint(canvas, knob, (214, 190, 110), 1 + 0.1 * grain)

    reach = (ys - ridge) / max(eaves - ridge, 1.0) * (span / 2 + span * 0.06)
    roof = (ys >= ridge) & (ys < eaves) & (np.abs(xs - (x0 + x1) / 2) <= reach)
    tile_h, tile_w = 4 * d, 7 * d
    tile_seam = ((ys % tile_h) < d) | (((xs + (ys // tile_h % 2) * (tile_w // 2)) % tile_w) < d)
    tiles = _cells(rng, height, width, tile_h, tile_w)
    slate = layout.choice([(84, 80, 86), (118, 62, 48)])
    _paint(canvas, roof & ~tile_seam, slate, 0.85 + 0.3 * tiles + 0.25 * grain)
    _paint(canvas, roof & tile_seam, (44, 42, 46), 1 + 0.2 * grain)

    # A tree in front of the fence: a trunk with bark, a crown of clumped leaves lit from above.
    tx = (f0 + f1) / 2 + (f1 - f0) * (layout.random() - 0.5) * 0.4
    trunk = (np.abs(xs - tx) < 5 * u) & (ys >= 0.25 * height) & (ys < 0.64 * height)
    _paint(canvas, trunk, (92, 68, 48), 0.7 + 0.6 * _cells(rng, height, width, 4 * d, d))
    crown_y = 0.2 * height
    crown = ((xs - tx) / (28 * u)) ** 2 + ((ys - crown_y) / (22 * u)) ** 2 <= 1
    for _ in range(6):
        cx = tx + (layout.random() - 0.5) * 56 * u
        cy = crown_y + (layout.random() - 0.5) * 30 * u
        rx, ry = (14 + 10 * layout.random()) * u, (11 + 8 * layout.random()) * u
        crown |= ((xs - cx) / rx) ** 2 + ((ys - cy) / ry) ** 2 <= 1
    light = np.clip(1.15 - 0.5 * (ys - crown_y + 35 * u) / (70 * u), 0.6, 1.15)
    leaves = _cells(rng, height, width, d, d)
    _paint(canvas, crown, (70, 118, 52), light * (0.5 + 0.9 * leaves) + 0.15 * grain)

    return Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8), "RGB")


def _walk(seed: int) -> _Walk:
    layout = random.Random(seed + 0x5EED)
    coats = [(38, 52, 86), (120, 36, 40), (52, 70, 48), (60, 60, 64), (176, 130, 40)]
    trousers = [(34, 34, 40), (44, 56, 84), (82, 72, 60)]
    start, end = (-0.05, 1.05) if layout.random() < 0.5 else (1.05, -0.05)
    return _Walk(start, end, layout.choice(coats), layout.choice(trousers))


def _draw_figure(image: Image.Image, walk: _Walk, progress: float) -> None:
    """The person, `progress` (0 to 1) of the way across, legs and arms swinging."""
    width, height = image.size
    u = _unit(width, height)
    draw = ImageDraw.Draw(image)
    x = (walk.start + (walk.end - walk.start) * progress) * width
    feet = 0.9 * height
    tall = 0.4 * height
    hip = feet - 0.47 * tall
    shoulder = feet - 0.8 * tall
    stride = math.sin(progress * 14.0) * 0.16 * tall
    limb = max(1, round(0.09 * tall))
    draw.ellipse((x - 0.22 * tall, feet - 3 * u, x + 0.22 * tall, feet + 3 * u), fill=(52, 78, 40))
    for sign in (1, -1):
        draw.line((x, hip, x + sign * stride, feet), fill=walk.trousers, width=limb)
        draw.line(
            (x, shoulder + limb / 2, x - sign * stride * 0.8, hip + 0.05 * tall),
            fill=walk.coat,
            width=max(1, limb * 3 // 4),
        )
    draw.rounded_rectangle(
        (x - 0.11 * tall, shoulder, x + 0.11 * tall, hip + 0.06 * tall),
        radius=max(1, round(0.05 * tall)),
        fill=walk.coat,
    )
    head = 0.075 * tall
    draw.ellipse(
        (x - head, shoulder - 2.1 * head, x + head, shoulder - 0.1 * head), fill=(214, 170, 140)
    )
    draw.chord(
        (x - head, shoulder - 2.15 * head, x + head, shoulder - 0.6 * head),
        180,
        360,
        fill=(52, 40, 32),
    )


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size)


def _draw_overlay(image: Image.Image, channel: int | None, when: datetime | None) -> None:
    """The camera's caption, top left: channel and the frame's time, over a soft shadow.

    Only the shadow is soft: the letters stay as crisp as a camera burns them in, and on
    every frame alike, so they add the same to each frame's sharpness.
    """
    width, height = image.size
    u = _unit(width, height)
    parts = [] if channel is None else [f"CH{channel + 1}"]
    if when is not None:
        parts.append(f"{when:{_OVERLAY_TIME}}")
    if not parts:
        return
    text = "  ".join(parts)
    font = _font(max(_OVERLAY_SIZE, round(_OVERLAY_SIZE * u)))
    margin = max(1, round(_OVERLAY_MARGIN * u))
    _, _, text_right, text_bottom = font.getbbox(text)
    right, bottom = math.ceil(text_right), math.ceil(text_bottom)
    if right + 2 * margin > width or bottom + 2 * margin > height:
        return  # a thumbnail-sized frame has no room for it
    edge = max(1, round(u))
    shadow = Image.new("L", (right + 2 * margin, bottom + 2 * margin))
    ImageDraw.Draw(shadow).text(
        (margin + edge, margin + edge), text, font=font, fill=200, stroke_width=edge
    )
    shadow = shadow.filter(ImageFilter.GaussianBlur(edge))
    image.paste((0, 0, 0), (0, 0, *shadow.size), shadow)
    ImageDraw.Draw(image).text((margin, margin), text, font=font, fill=(240, 240, 240))


def scene(
    width: int,
    height: int,
    frames: int,
    fps: int,
    seed: int,
    start: datetime,
    channel: int | None,
) -> tuple[Iterator[Image.Image], int]:
    """The clip's frames (made as they are read) and the index of the sharpest one."""
    rng = random.Random(seed)
    sharpest = rng.randrange(frames)
    # Radius 1.5 or more (in layout cells) wipes out the fine detail: a margin lossy
    # encoding cannot close.
    radii = [0.0 if index == sharpest else 1.5 + 2.0 * rng.random() for index in range(frames)]
    times = [start + timedelta(seconds=index / fps) for index in range(frames)]
    return _frames(width, height, seed, channel, radii, times), sharpest


def _frames(
    width: int,
    height: int,
    seed: int,
    channel: int | None,
    radii: list[float],
    times: list[datetime],
) -> Iterator[Image.Image]:
    """A person crossing the view, each frame blurred by its radius, grainy and captioned.

    Sensor noise and the caption come after the blur, as in a camera: the noise differs from
    frame to frame (what makes a camera's clips as large as they are) and the caption is
    burnt in sharp.
    """
    backdrop = _backdrop(width, height, seed)
    walk = _walk(seed)
    u = _unit(width, height)
    noise = np.random.default_rng((seed, len(radii)))
    for index, (radius, when) in enumerate(zip(radii, times, strict=True)):
        image = backdrop.copy()
        _draw_figure(image, walk, index / max(len(radii) - 1, 1))
        if radius:
            image = image.filter(ImageFilter.GaussianBlur(radius * u))
        image = _grain(image, noise)
        _draw_overlay(image, channel, when)
        yield image


def _grain(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """The image with a sensor's noise in its brightness."""
    pixels = np.asarray(image, dtype=np.int16)
    pixels += _NOISE_LEVELS[rng.integers(0, 256, size=pixels.shape[:2], dtype=np.uint8)][..., None]
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def still(
    width: int, height: int, seed: int, channel: int | None, timestamp: datetime | None
) -> Image.Image:
    """One sharp view of the scene, the person somewhere along the path, captioned."""
    image = _backdrop(width, height, seed).copy()
    _draw_figure(image, _walk(seed), 0.25 + 0.5 * random.Random(seed).random())
    image = _grain(image, np.random.default_rng((seed, 0)))
    _draw_overlay(image, channel, timestamp)
    return image
