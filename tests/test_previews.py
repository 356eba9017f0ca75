"""Template previews: aspect ratio, byte-identical re-renders, title sensitivity, skipping."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from PIL import Image, ImageChops

from routenator_dagster import previews
from routenator_dagster.catalog_builder import build_seed_catalog, read_graph_csvs
from routenator_dagster.previews import (
    PREVIEW_COLUMNS,
    PreviewError,
    fit_size,
    render_preview,
    render_previews,
)
from routenator_dagster.schema import CATALOG_SCHEMA


def _row(**over: Any) -> dict[str, Any]:
    row = {
        "asset_id": "tpl-000001", "content_type": "Template",
        "title": "Sage Green Diwali Dinner Invitation", "keywords": ["diwali", "invitation"],
        "topics": ["holiday"], "gentech": False, "locale": "en-US", "aspect_ratio": "5:7",
        "ctr": 0.05, "design_type": "invitation", "layout": "centered",
        "palette": ["#9caf88", "#d4af37", "#6a3d9a"],
    }
    row.update(over)
    return row


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def templates() -> pl.DataFrame:
    catalog = build_seed_catalog(*read_graph_csvs(), n_assets=1500, seed=11)
    return catalog.filter(pl.col("content_type") == "Template")


@pytest.mark.parametrize(("ratio", "box", "expected"), [
    ("9:16", (512, 512), (288, 512)), ("4:1", (512, 512), (512, 128)),
    ("1:1", (512, 512), (512, 512)), ("17:22", (512, 512), (396, 512)),
    (None, (300, 200), (200, 200)),
])
def test_fit_size(ratio: str | None, box: tuple[int, int], expected: tuple[int, int]) -> None:
    assert fit_size(ratio, box) == expected


def test_png_has_the_rows_aspect_ratio(tmp_path: Path) -> None:
    frame = pl.DataFrame([_row(asset_id="tpl-story", aspect_ratio="9:16", layout="banner_top"),
                          _row(asset_id="tpl-banner", aspect_ratio="4:1", design_type="banner")],
                         schema=CATALOG_SCHEMA)
    out = render_previews(frame, tmp_path)
    assert out.schema == pl.Schema(PREVIEW_COLUMNS)
    sizes = {r["asset_id"]: (r["width"], r["height"]) for r in out.iter_rows(named=True)}
    for asset_id, (w, h) in sizes.items():
        path = tmp_path / f"{asset_id}.png"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(path) as im:
            assert im.size == (w, h)
    assert abs(sizes["tpl-story"][0] / sizes["tpl-story"][1] - 9 / 16) < 0.01
    assert abs(sizes["tpl-banner"][0] / sizes["tpl-banner"][1] - 4.0) < 0.01


def test_same_row_same_bytes(tmp_path: Path, templates: pl.DataFrame) -> None:
    rows = templates.head(12)
    a = render_previews(rows, tmp_path / "a")
    b = render_previews(rows, tmp_path / "b")
    for pa, pb in zip(a["path"], b["path"]):
        assert Path(pa).read_bytes() == Path(pb).read_bytes()
    assert _png(render_preview(_row())) == _png(render_preview(_row()))


def test_title_changes_the_image() -> None:
    base = render_preview(_row())
    other = render_preview(_row(title="Navy Blue Hanukkah Party Invitation"))
    assert base.size == other.size
    assert ImageChops.difference(base, other).getbbox() is not None
    # ...and nothing else does when only the title differs: the change sits in the title area.
    box = ImageChops.difference(base, other).getbbox()
    assert box[1] > base.size[1] * 0.3


def test_palette_and_layout_drive_the_drawing() -> None:
    base = render_preview(_row())
    assert base.getpixel((base.size[0] - 2, base.size[1] // 2)) == (0x9c, 0xaf, 0x88)
    recoloured = render_preview(_row(palette=["#1f3a5f", "#d4af37"]))
    assert recoloured.getpixel((recoloured.size[0] - 2, recoloured.size[1] // 2)) == (0x1f, 0x3a, 0x5f)
    for layout in ("split", "banner_top", "grid", "frame", "stacked"):
        assert _png(render_preview(_row(layout=layout))) != _png(base), layout


def test_skips_up_to_date_files(tmp_path: Path, templates: pl.DataFrame,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    rows = templates.head(6)
    first = render_previews(rows, tmp_path)
    stamps = {p: Path(p).stat().st_mtime_ns for p in first["path"]}
    calls: list[str] = []
    real = previews.render_preview

    def counting(row: dict[str, Any], size: tuple[int, int] = (512, 512)) -> Image.Image:
        calls.append(row["asset_id"])
        return real(row, size)

    monkeypatch.setattr(previews, "render_preview", counting)
    again = render_previews(rows, tmp_path)
    assert calls == []
    assert again.equals(first)
    assert {p: Path(p).stat().st_mtime_ns for p in again["path"]} == stamps

    # A changed title and a deleted file are redrawn; the rest stay untouched.
    changed_id, deleted_id = rows["asset_id"][0], rows["asset_id"][1]
    old_bytes = (tmp_path / f"{changed_id}.png").read_bytes()
    (tmp_path / f"{deleted_id}.png").unlink()
    edited = rows.with_columns(
        pl.when(pl.col("asset_id") == changed_id).then(pl.lit("A Completely New Title"))
        .otherwise(pl.col("title")).alias("title"))
    render_previews(edited, tmp_path)
    assert sorted(calls) == sorted([changed_id, deleted_id])
    assert (tmp_path / f"{changed_id}.png").read_bytes() != old_bytes
    assert (tmp_path / f"{deleted_id}.png").exists()


def test_limit_content_types_and_progress(tmp_path: Path, templates: pl.DataFrame) -> None:
    photo = pl.DataFrame([_row(asset_id="pho-000001", content_type="Photo", layout=None)],
                         schema=CATALOG_SCHEMA)
    mixed = pl.concat([templates.head(5), photo])
    seen: list[tuple[int, int]] = []
    out = render_previews(mixed, tmp_path, limit=3, progress=lambda d, t: seen.append((d, t)))
    assert out.height == 3 and set(out["content_type"]) == {"Template"}
    assert seen == [(1, 3), (2, 3), (3, 3)]
    both = render_previews(mixed, tmp_path, content_types=("Template", "Photo"))
    assert "pho-000001" in set(both["asset_id"])


def test_every_template_design_and_layout_renders(templates: pl.DataFrame) -> None:
    combos = templates.unique(subset=["design_type", "layout"], keep="first", maintain_order=True)
    assert combos.height > 40
    for row in combos.iter_rows(named=True):
        image = render_preview(row, size=(160, 160))
        assert image.mode == "RGB" and max(image.size) == 160


def test_bad_rows_are_named(tmp_path: Path) -> None:
    with pytest.raises(PreviewError, match=r"tpl-000001.*palette"):
        render_preview(_row(palette=["#12345", "#ffffff"]))
    with pytest.raises(PreviewError, match=r"tpl-000001.*aspect_ratio"):
        render_preview(_row(aspect_ratio="wide"))
    with pytest.raises(PreviewError, match="file"):
        render_previews(pl.DataFrame([_row(asset_id="../escape")], schema=CATALOG_SCHEMA),
                        tmp_path)
