"""Draw the integration's brand images into custom_components/dvrip/brand/.

    .venv/bin/python scripts/make_brand.py

Home Assistant 2026.3 and later read `icon.png` (256x256), `icon@2x.png` (512x512) and
`logo.png` from an integration's own `brand/` folder. The glyph is a wall-mounted bullet
camera with a recording light; the logo sets the glyph beside the name. Everything is drawn
with Pillow at a large size and scaled down, so the output is the same on every machine with
the same Pillow (the text uses Pillow's bundled font).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from PIL import Image, ImageDraw, ImageFont

ROOT: Final = Path(__file__).resolve().parent.parent
BRAND: Final = ROOT / "custom_components" / "dvrip" / "brand"

BLUE: Final = (24, 104, 176, 255)
DARK: Final = (22, 52, 86, 255)
LENS: Final = (232, 242, 250, 255)
RED: Final = (226, 56, 52, 255)
CANVAS: Final = 2048  # drawn at this size, then scaled down
MARGIN: Final = 0.03  # of the side, around the trimmed glyph


def _box(*unit: float) -> tuple[int, ...]:
    """Unit-square coordinates (0..1) to canvas pixels."""
    return tuple(round(value * CANVAS) for value in unit)


def glyph() -> Image.Image:
    """The camera, on a transparent square canvas."""
    image = Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    radius = round(0.07 * CANVAS)
    # Wall plate and arm, behind the body.
    draw.rounded_rectangle(_box(0.04, 0.56, 0.16, 0.94), radius=radius // 2, fill=DARK)
    draw.polygon(
        [
            (_box(0.10)[0], _box(0.70)[0]),
            (_box(0.36)[0], _box(0.52)[0]),
            (_box(0.46)[0], _box(0.60)[0]),
            (_box(0.13)[0], _box(0.83)[0]),
        ],
        fill=DARK,
    )
    # Sun shade over the body, then the body.
    draw.rounded_rectangle(_box(0.16, 0.14, 0.98, 0.30), radius=radius, fill=DARK)
    draw.rounded_rectangle(_box(0.22, 0.22, 0.90, 0.62), radius=radius, fill=BLUE)
    # The lens at the front: a ring and its glass.
    draw.ellipse(_box(0.66, 0.28, 0.94, 0.56), fill=DARK)
    draw.ellipse(_box(0.70, 0.32, 0.90, 0.52), fill=LENS)
    draw.ellipse(_box(0.75, 0.37, 0.85, 0.47), fill=DARK)
    # The recording light.
    draw.ellipse(_box(0.30, 0.32, 0.40, 0.42), fill=RED)
    return image


def icon(size: int) -> Image.Image:
    """The glyph trimmed to what it covers, centred on a square with a small margin."""
    drawn = glyph()
    trimmed = drawn.crop(drawn.getbbox())
    room = CANVAS * (1 - 2 * MARGIN)
    scale = room / max(trimmed.size)
    fitted = trimmed.resize(
        (round(trimmed.width * scale), round(trimmed.height * scale)), Image.Resampling.LANCZOS
    )
    square = Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 0))
    square.alpha_composite(fitted, ((CANVAS - fitted.width) // 2, (CANVAS - fitted.height) // 2))
    return square.resize((size, size), Image.Resampling.LANCZOS)


def logo(height: int = 256) -> Image.Image:
    """The glyph, then "DVRIP" in the glyph's blue: a landscape logo."""
    mark = icon(height)
    font = ImageFont.load_default(size=round(height * 0.46))
    text = "DVRIP"
    left, top, right, bottom = (round(edge) for edge in font.getbbox(text))
    gap = round(height * 0.12)
    width = height + gap + (right - left) + round(height * 0.04)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    image.alpha_composite(mark, (0, 0))
    draw = ImageDraw.Draw(image)
    baseline_y = (height - (bottom - top)) // 2 - top
    draw.text((height + gap - left, baseline_y), text, font=font, fill=DARK)
    return image


def main() -> None:
    BRAND.mkdir(parents=True, exist_ok=True)
    outputs = {
        "icon.png": icon(256),
        "icon@2x.png": icon(512),
        "logo.png": logo(256),
    }
    for name, image in outputs.items():
        image.save(BRAND / name, optimize=True)
        print(f"{(BRAND / name).relative_to(ROOT)}: {image.width}x{image.height}")


if __name__ == "__main__":
    main()
