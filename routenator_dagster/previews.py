"""Template preview images drawn from catalog metadata, so the vision route has something to see.

A preview is a plausible layout, not art: the asset's aspect ratio, its layout, its palette, its
title (wrapped, in PIL's default font scaled to the canvas), and a few shapes per design type (a
photo placeholder, balloons, a seal, a calendar grid, a perforated ticket stub...). Rendering is
deterministic: the same row gives the same bytes. Images are drawn at run time, never committed.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from PIL import Image, ImageDraw, ImageFont

# Bump when drawing changes, so previews rendered by an older renderer are redrawn.
RENDERER_VERSION = "1"
MANIFEST_NAME = "manifest.json"
PREVIEW_COLUMNS: dict[str, pl.DataType] = {
    "asset_id": pl.Utf8,
    "content_type": pl.Utf8,
    "path": pl.Utf8,
    "width": pl.Int64,
    "height": pl.Int64,
}
_RENDER_FIELDS = ("asset_id", "content_type", "title", "aspect_ratio", "layout", "design_type",
                  "palette", "keywords")
_DEFAULT_PALETTE = ("#f5efdc", "#333840", "#cc5500")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_ASPECT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*$")
RGB = tuple[int, int, int]


class PreviewError(ValueError):
    """A catalog row cannot be drawn; the message names the asset and the field."""


# ---- inputs ------------------------------------------------------------------------------------
def fit_size(aspect_ratio: str | None, box: tuple[int, int], asset_id: str = "?") -> tuple[int, int]:
    """Largest (width, height) with the row's aspect ratio inside ``box`` (1:1 when unknown)."""
    if not aspect_ratio:
        w_ratio, h_ratio = 1.0, 1.0
    else:
        m = _ASPECT.match(aspect_ratio)
        if not m or float(m.group(1)) <= 0 or float(m.group(2)) <= 0:
            raise PreviewError(f"asset {asset_id}: aspect_ratio {aspect_ratio!r} is not 'W:H'")
        w_ratio, h_ratio = float(m.group(1)), float(m.group(2))
    scale = min(box[0] / w_ratio, box[1] / h_ratio)
    return max(16, round(w_ratio * scale)), max(16, round(h_ratio * scale))


def _rgb(hex_code: str) -> RGB:
    return int(hex_code[1:3], 16), int(hex_code[3:5], 16), int(hex_code[5:7], 16)


def _palette(row: dict[str, Any]) -> list[RGB]:
    raw = list(row.get("palette") or [])
    for colour in raw:
        if not isinstance(colour, str) or not _HEX.match(colour):
            raise PreviewError(f"asset {row.get('asset_id', '?')}: palette colour {colour!r} "
                               "is not '#rrggbb'")
    colours = [_rgb(c) for c in (raw or _DEFAULT_PALETTE)]
    while len(colours) < 3:
        colours.append(_mix(colours[-1], (255, 255, 255) if _luma(colours[-1]) < 128 else (0, 0, 0),
                            0.55))
    return colours


def _luma(c: RGB) -> float:
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t),
            round(a[2] + (b[2] - a[2]) * t))


def _ink(background: RGB) -> RGB:
    return (20, 20, 24) if _luma(background) > 140 else (250, 250, 245)


def render_key(row: dict[str, Any], size: tuple[int, int] = (512, 512)) -> str:
    """Short hash of everything the drawing depends on (renderer version included)."""
    inputs = {f: row.get(f) for f in _RENDER_FIELDS}
    inputs["palette"] = list(inputs["palette"] or [])
    inputs["keywords"] = list(inputs["keywords"] or [])
    payload = json.dumps({"v": RENDERER_VERSION, "size": list(size), "row": inputs},
                         sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


# ---- drawing helpers ---------------------------------------------------------------------------
def _font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(8, px))


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Any, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def _title(draw: ImageDraw.ImageDraw, text: str, box: tuple[int, int, int, int], ink: RGB,
           align: str = "center") -> None:
    """Title wrapped into ``box``, the font shrunk until it fits."""
    x0, y0, x1, y1 = box
    width, height = max(8, x1 - x0), max(8, y1 - y0)
    px = max(8, min(int(height * 0.42), int(width * 0.14)))
    while True:
        font = _font(px)
        lines = _wrap(draw, text, font, width)
        line_h = int(px * 1.18)
        too_wide = any(draw.textlength(line, font=font) > width for line in lines)
        if (len(lines) * line_h <= height and not too_wide) or px <= 8:
            break
        px = max(8, int(px * 0.88))
    top = y0 + (height - len(lines) * line_h) // 2
    for i, line in enumerate(lines):
        y = top + i * line_h
        if align == "left":
            draw.text((x0, y), line, font=font, fill=ink)
        else:
            draw.text(((x0 + x1) // 2, y), line, font=font, fill=ink, anchor="ma")


def _photo_block(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], colour: RGB) -> None:
    """A photo placeholder: a tinted block with hills and a sun, as stock layouts show it."""
    x0, y0, x1, y1 = box
    if x1 - x0 < 6 or y1 - y0 < 6:
        return
    draw.rectangle(box, fill=_mix(colour, (255, 255, 255), 0.35))
    w, h = x1 - x0, y1 - y0
    hill = _mix(colour, (0, 0, 0), 0.25)
    draw.polygon([(x0, y1), (x0 + w * 0.35, y0 + h * 0.45), (x0 + w * 0.6, y1)], fill=hill)
    draw.polygon([(x0 + w * 0.4, y1), (x0 + w * 0.7, y0 + h * 0.55), (x1, y1)],
                 fill=_mix(hill, (0, 0, 0), 0.2))
    r = max(2, int(min(w, h) * 0.1))
    cx, cy = x0 + int(w * 0.78), y0 + int(h * 0.28)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_mix(colour, (255, 255, 255), 0.8))


def _text_bars(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], colour: RGB,
               rng: random.Random, leaders: bool = False) -> None:
    x0, y0, x1, y1 = box
    step = max(6, (y1 - y0) // 7)
    bar_h = max(2, step // 3)
    y = y0
    while y + bar_h <= y1:
        length = int((x1 - x0) * rng.uniform(0.45, 0.95))
        draw.rectangle((x0, y, x0 + length, y + bar_h), fill=colour)
        if leaders:  # menu-style dotted leader to a price
            for x in range(x0 + length + 4, x1 - 12, 6):
                draw.point((x, y + bar_h // 2), fill=colour)
            draw.rectangle((x1 - 10, y, x1, y + bar_h), fill=colour)
        y += step


def _balloons(draw: ImageDraw.ImageDraw, w: int, h: int, colours: list[RGB],
              rng: random.Random) -> None:
    r = max(4, int(min(w, h) * 0.07))
    for i in range(rng.randint(3, 5)):
        cx = int(w * rng.choice([rng.uniform(0.06, 0.22), rng.uniform(0.78, 0.94)]))
        cy = int(h * rng.uniform(0.08, 0.35))
        colour = colours[i % len(colours)]
        draw.line((cx, cy + int(r * 1.2), cx + rng.randint(-r, r), cy + r * 4),
                  fill=_mix(colour, (0, 0, 0), 0.4), width=1)
        draw.ellipse((cx - r, cy - int(r * 1.2), cx + r, cy + int(r * 1.2)), fill=colour)


def _confetti(draw: ImageDraw.ImageDraw, w: int, h: int, colours: list[RGB],
              rng: random.Random) -> None:
    for i in range(18):
        x, y = rng.randrange(w), rng.randrange(h)
        s = max(2, int(min(w, h) * 0.012))
        draw.ellipse((x - s, y - s, x + s, y + s), fill=colours[i % len(colours)])


def _grid(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], colour: RGB,
          cols: int = 7, rows: int = 5) -> None:
    x0, y0, x1, y1 = box
    for c in range(cols + 1):
        x = x0 + (x1 - x0) * c // cols
        draw.line((x, y0, x, y1), fill=colour, width=1)
    for r in range(rows + 1):
        y = y0 + (y1 - y0) * r // rows
        draw.line((x0, y, x1, y), fill=colour, width=1)


def _seal(draw: ImageDraw.ImageDraw, cx: int, cy: int, r: int, colour: RGB) -> None:
    points = []
    for k in range(24):
        rad = r if k % 2 == 0 else int(r * 0.82)
        a = math.pi * 2 * k / 24
        points.append((cx + rad * math.cos(a), cy + rad * math.sin(a)))
    draw.polygon(points, fill=colour)
    draw.ellipse((cx - r * 0.6, cy - r * 0.6, cx + r * 0.6, cy + r * 0.6),
                 outline=_mix(colour, (255, 255, 255), 0.6), width=max(1, r // 10))


# ---- per design type decorations ---------------------------------------------------------------
_PARTY_WORDS = frozenset({"birthday", "balloon", "party", "baby shower", "confetti", "celebration",
                          "graduation", "kids' birthday party"})
Box = tuple[int, int, int, int]


def _decorate(draw: ImageDraw.ImageDraw, row: dict[str, Any], w: int, h: int,
              colours: list[RGB], rng: random.Random, free: Box | None) -> None:
    """Shapes that say which design type this is; detailed ones go in the layout's free zone."""
    design = (row.get("design_type") or "").lower()
    words = {k.lower() for k in (row.get("keywords") or [])}
    ink_soft = _mix(colours[1], colours[0], 0.35)
    m = max(4, int(min(w, h) * 0.05))
    if design in ("certificate", "gift certificate"):
        draw.rectangle((m // 2, m // 2, w - m // 2, h - m // 2), outline=colours[1],
                       width=max(2, m // 3))
        draw.rectangle((m, m, w - m, h - m), outline=colours[2], width=1)
        r = max(6, int(min(w, h) * 0.08))
        _seal(draw, w - m - r - 4, h - m - r - 4, r, colours[2])
    elif design == "event ticket":
        x = int(w * 0.8)
        for y in range(0, h, 8):
            draw.line((x, y, x, y + 4), fill=colours[1], width=2)
        r = max(3, m)
        draw.ellipse((x - r, -r, x + r, r), fill=colours[1])
        draw.ellipse((x - r, h - r, x + r, h + r), fill=colours[1])
    if free is not None and free[2] - free[0] > 12 and free[3] - free[1] > 12:
        x0, y0, x1, y1 = free
        if design in ("calendar", "planner", "worksheet"):
            _grid(draw, free, ink_soft)
        elif design == "logo":
            r = max(4, min(x1 - x0, y1 - y0) // 2 - 2)
            cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colours[1])
            initials = "".join(word[0] for word in str(row.get("title", "")).split()[:2]).upper()
            _title(draw, initials or "A", (cx - r, cy - r // 2, cx + r, cy + r // 2),
                   _ink(colours[1]))
        elif design in ("presentation", "youtube thumbnail", "linkedin banner", "facebook cover",
                        "banner"):
            step = max(8, (y1 - y0) // 3)
            for i in range(3):
                y = y0 + i * step
                if y + 6 > y1:
                    break
                draw.ellipse((x0, y, x0 + 6, y + 6), fill=colours[2])
                draw.rectangle((x0 + 12, y + 1, x0 + int((x1 - x0) * rng.uniform(0.5, 0.9)), y + 5),
                               fill=ink_soft)
        elif design == "infographic":
            bw = max(3, (x1 - x0) // 9)
            for i in range(4):
                bh = int((y1 - y0) * rng.uniform(0.35, 1.0))
                x = x0 + i * bw * 2
                draw.rectangle((x, y1 - bh, x + bw, y1), fill=colours[(i % 2) + 1])
        elif design in ("menu", "resume", "newsletter", "program", "brochure"):
            _text_bars(draw, free, ink_soft, rng, leaders=design == "menu")
        else:
            draw.line((x0 + (x1 - x0) // 4, (y0 + y1) // 2, x1 - (x1 - x0) // 4, (y0 + y1) // 2),
                      fill=colours[2], width=max(1, m // 4))
    if design in ("invitation", "greeting card", "thank you card") or words & _PARTY_WORDS:
        _balloons(draw, w, h, colours[1:] + colours[:1], rng)
    elif design in ("poster", "flyer", "instagram post", "instagram story", "tiktok cover",
                    "pinterest pin"):
        _confetti(draw, w, h, colours[1:], rng)


# ---- layouts -----------------------------------------------------------------------------------
def _layout(draw: ImageDraw.ImageDraw, layout: str, w: int, h: int, colours: list[RGB],
            rng: random.Random) -> tuple[Box, RGB, Box | None]:
    """Draw the layout's blocks; return the title box, its ink, and a free zone for details."""
    bg, accent, accent2 = colours[0], colours[1], colours[2]
    m = max(4, int(min(w, h) * 0.06))
    if w > h * 2.2 and layout != "frame":
        layout = "split"  # banners and covers are too flat for anything else
    if layout == "split":
        half = w // 2
        _photo_block(draw, (0, 0, half, h), accent)
        if h > w * 0.6:
            return (half + m, m, w - m, int(h * 0.6)), _ink(bg), (half + m, int(h * 0.66),
                                                                 w - m, h - m)
        draw.line((half + m, h - m, w - m, h - m), fill=accent2, width=max(1, m // 4))
        return (half + m, m, w - m, h - 2 * m), _ink(bg), None
    if layout == "banner_top":
        band = int(h * 0.3)
        draw.rectangle((0, 0, w, band), fill=accent)
        _photo_block(draw, (m, band + m, w - m, int(h * 0.62)), accent2)
        return (m, m // 2, w - m, band - m // 2), _ink(accent), (m, int(h * 0.67), w - m, h - m)
    if layout == "grid":
        top = int(h * 0.62)
        cw, ch = (w - 3 * m) // 2, (top - 3 * m) // 2
        for i in range(4):
            x = m + (i % 2) * (cw + m)
            y = m + (i // 2) * (ch + m)
            _photo_block(draw, (x, y, x + cw, y + ch), colours[1 + i % 2])
        return (m, top, w - m, h - m), _ink(bg), None
    if layout == "frame":
        border = max(3, m // 2)
        draw.rectangle((border, border, w - border, h - border), outline=accent, width=border)
        for cx, cy in ((m, m), (w - m, m), (m, h - m), (w - m, h - m)):
            r = max(2, m // 2)
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=accent2)
        return (2 * m, int(h * 0.12), w - 2 * m, int(h * 0.55)), _ink(bg), (
            2 * m, int(h * 0.62), w - 2 * m, h - 2 * m)
    if layout == "stacked":
        draw.line((m, int(h * 0.33), w - m, int(h * 0.33)), fill=accent, width=max(1, m // 4))
        _photo_block(draw, (int(w * 0.55), int(h * 0.38), w - m, int(h * 0.62)), accent2)
        return (m, m, w - m, int(h * 0.3)), _ink(bg), (m, int(h * 0.66), w - m, h - m)
    # centered, and any layout this renderer does not know
    _photo_block(draw, (m, m, w - m, int(h * 0.45)), accent)
    return (m, int(h * 0.48), w - m, int(h * 0.74)), _ink(bg), (m, int(h * 0.78), w - m, h - m)


def _drawable(text: str) -> str:
    # PIL's bundled font lacks some accented glyphs; fold them so no tofu boxes appear.
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return folded or text


def render_preview(row: dict[str, Any], size: tuple[int, int] = (512, 512)) -> Image.Image:
    """Draw one catalog row as an RGB image fitted into ``size`` with the row's aspect ratio."""
    asset_id = str(row.get("asset_id") or "?")
    width, height = fit_size(row.get("aspect_ratio"), size, asset_id)
    colours = _palette(row)
    # Decoration jitter comes from the asset id, so a re-render is byte-identical and a new
    # title changes only the title.
    seed = int(hashlib.sha256(asset_id.encode("utf-8")).hexdigest()[:12], 16)
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), colours[0])
    draw = ImageDraw.Draw(image)
    title = _drawable(str(row.get("title") or "").strip()) or "Untitled"
    layout = str(row.get("layout") or "centered")
    title_box, ink, free = _layout(draw, layout, width, height, colours, rng)
    _decorate(draw, row, width, height, colours, rng, free)
    _title(draw, title, title_box, ink)  # last, so nothing covers it
    return image


def _load_manifest(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}  # no manifest or a broken one: everything is redrawn, nothing is lost
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def render_previews(
    catalog: pl.DataFrame,
    out_dir: Path,
    limit: int | None = None,
    content_types: tuple[str, ...] = ("Template",),
    progress: Callable[[int, int], None] | None = None,
    size: tuple[int, int] = (512, 512),
) -> pl.DataFrame:
    """Render ``<asset_id>.png`` for catalog rows of ``content_types`` (first ``limit``), skipping
    files already drawn from the same inputs (tracked in ``manifest.json``)."""
    missing = {"asset_id", "content_type", "title"} - set(catalog.columns)
    if missing:
        raise PreviewError(f"catalog lacks column(s) {sorted(missing)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = catalog.filter(pl.col("content_type").is_in(list(content_types)))
    if limit is not None:
        rows = rows.head(max(0, limit))
    manifest_path = out_dir / MANIFEST_NAME
    manifest = _load_manifest(manifest_path)
    records: list[dict[str, Any]] = []
    total = rows.height
    for i, row in enumerate(rows.iter_rows(named=True)):
        asset_id = str(row["asset_id"])
        if not re.fullmatch(r"[A-Za-z0-9._-]+", asset_id):
            raise PreviewError(f"asset_id {asset_id!r} (row {i}) cannot name a file")
        path = out_dir / f"{asset_id}.png"
        key = render_key(row, size)
        if manifest.get(asset_id) == key and path.exists():
            width, height = fit_size(row.get("aspect_ratio"), size, asset_id)
        else:
            image = render_preview(row, size)
            tmp = path.with_suffix(".png.tmp")
            image.save(tmp, format="PNG")
            os.replace(tmp, path)
            width, height = image.size
            manifest[asset_id] = key
        records.append({"asset_id": asset_id, "content_type": row["content_type"],
                        "path": str(path), "width": width, "height": height})
        if progress is not None:
            progress(i + 1, total)
    tmp_manifest = manifest_path.with_suffix(".json.tmp")
    tmp_manifest.write_text(json.dumps(manifest, sort_keys=True, indent=0), encoding="utf-8")
    os.replace(tmp_manifest, manifest_path)
    return pl.DataFrame(records, schema=PREVIEW_COLUMNS)
