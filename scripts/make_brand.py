"""Draw the integration's brand images into custom_components/dvrip/brand/.

    .venv/bin/python scripts/make_brand.py

Home Assistant 2026.3 and later read an integration's own `brand/` folder: `icon.png`
(256x256), `icon@2x.png` (512x512), `logo.png` (256 high), `logo@2x.png` (512 high), and the
same four with a `dark_` prefix for the dark theme. A missing dark image falls back to the
light one, and `dark_logo.png` to `dark_icon.png` first, so every file is written.

The glyph is a wall-mounted bullet camera with a recording light; the logo sets the glyph
beside the name. The dark variant draws the navy parts (mount, shade, lens ring, name) light,
so they stay visible on a dark background. Everything is drawn with Pillow at a large size and
scaled down, so the output is the same on every machine with the same Pillow (the text uses
Pillow's bundled font).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from PIL import Image, ImageDraw, ImageFont

ROOT: Final = Path(__file__).resolve().parent.parent
BRAND: Final = ROOT / "custom_components" / "dvrip" / "brand"

Colour = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class Palette:
    """The glyph's colours: the body, the outline parts, the lens glass, the light."""

    body: Colour
    outline: Colour
    glass: Colour
    light: Colour


LIGHT_THEME: Final = Palette(
    body=(24, 104, 176, 255),
    outline=(22, 52, 86, 255),
    glass=(232, 242, 250, 255),
    light=(226, 56, 52, 255),
)
DARK_THEME: Final = Palette(
    body=(52, 136, 212, 255),
    outline=(214, 226, 238, 255),
    glass=(18, 30, 44, 255),
    light=(240, 72, 66, 255),
)
CANVAS: Final = 2048  # drawn at this size, then scaled down
MARGIN: Final = 0.03  # of the side, around the trimmed glyph


def _box(*unit: float) -> tuple[int, ...]:
    """Unit-square coordinates (0..1) to canvas pixels."""
    return tuple(round(value * CANVAS) for value in unit)


def glyph(palette: Palette) -> Image.Image:
    """The camera, on a transparent square canvas."""
    image = Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    radius = round(0.07 * CANVAS)
    # Wall plate and arm, behind the body.
    draw.rounded_rectangle(_box(0.04, 0.56, 0.16, 0.94), radius=radius // 2, fill=palette.outline)
    draw.polygon(
        [
            (_box(0.10)[0], _box(0.70)[0]),
            (_box(0.36)[0], _box(0.52)[0]),
            (_box(0.46)[0], _box(0.60)[0]),
            (_box(0.13)[0], _box(0.83)[0]),
        ],
        fill=palette.outline,
    )
    # Sun shade over the body, then the body.
    draw.rounded_rectangle(_box(0.16, 0.14, 0.98, 0.30), radius=radius, fill=palette.outline)
    draw.rounded_rectangle(_box(0.22, 0.22, 0.90, 0.62), radius=radius, fill=palette.body)
    # The lens at the front: a ring and its glass.
    draw.ellipse(_box(0.66, 0.28, 0.94, 0.56), fill=palette.outline)
    draw.ellipse(_box(0.70, 0.32, 0.90, 0.52), fill=palette.glass)
    draw.ellipse(_box(0.75, 0.37, 0.85, 0.47), fill=palette.outline)
    # The recording light.
    draw.ellipse(_box(0.30, 0.32, 0.40, 0.42), fill=palette.light)
    return image


def icon(size: int, palette: Palette = LIGHT_THEME) -> Image.Image:
    """The glyph trimmed to what it covers, centred on a square with a small margin."""
    drawn = glyph(palette)
    trimmed = drawn.crop(drawn.getbbox())
    room = CANVAS * (1 - 2 * MARGIN)
    scale = room / max(trimmed.size)
    fitted = trimmed.resize(
        (round(trimmed.width * scale), round(trimmed.height * scale)), Image.Resampling.LANCZOS
    )
    square = Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 0))
    square.alpha_composite(fitted, ((CANVAS - fitted.width) // 2, (CANVAS - fitted.height) // 2))
    return square.resize((size, size), Image.Resampling.LANCZOS)


def logo(height: int = 256, palette: Palette = LIGHT_THEME) -> Image.Image:
    """The glyph, then "DVRIP" in the outline's colour: a landscape logo."""
    mark = icon(height, palette)
    font = ImageFont.load_default(size=round(height * 0.46))
    text = "DVRIP"
    left, top, right, bottom = (round(edge) for edge in font.getbbox(text))
    gap = round(height * 0.12)
    width = height + gap + (right - left) + round(height * 0.04)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    image.alpha_composite(mark, (0, 0))
    draw = ImageDraw.Draw(image)
    baseline_y = (height - (bottom - top)) // 2 - top
    draw.text((height + gap - left, baseline_y), text, font=font, fill=palette.outline)
    return image


def main() -> None:
    BRAND.mkdir(parents=True, exist_ok=True)
    outputs = {}
    for prefix, palette in (("", LIGHT_THEME), ("dark_", DARK_THEME)):
        outputs[f"{prefix}icon.png"] = icon(256, palette)
        outputs[f"{prefix}icon@2x.png"] = icon(512, palette)
        outputs[f"{prefix}logo.png"] = logo(256, palette)
        outputs[f"{prefix}logo@2x.png"] = logo(512, palette)
    for name, image in outputs.items():
        image.save(BRAND / name, optimize=True)
        print(f"{(BRAND / name).relative_to(ROOT)}: {image.width}x{image.height}")


if __name__ == "__main__":
    main()
