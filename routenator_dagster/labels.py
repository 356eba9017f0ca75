"""The label contract every stage shares (docs/labelling.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass

FUNCTIONS: tuple[str, ...] = ("Search", "Generate")
CONTENT_TYPES: tuple[str, ...] = (
    "Template",
    "Photo",
    "Video",
    "Audio",
    "Background",
    "Design Asset",
    "Text",
    "Any",
)
# Types an asset in the catalog can have; "Any" only exists as a query label.
CATALOG_CONTENT_TYPES: tuple[str, ...] = tuple(t for t in CONTENT_TYPES if t != "Any")


def content_type_slug(content_type: str) -> str:
    """Partition-key form of a content type: "Design Asset" -> "design_asset"."""
    if content_type not in CONTENT_TYPES:
        raise ValueError(f"unknown content type {content_type!r}; expected one of {CONTENT_TYPES}")
    return content_type.lower().replace(" ", "_")


def content_type_from_slug(slug: str) -> str:
    for ct in CONTENT_TYPES:
        if content_type_slug(ct) == slug:
            return ct
    raise ValueError(f"unknown content type slug {slug!r}")


# Words that name a content type in a query. Used by generators (to place or omit the type word),
# by the label filters (a type word contradicting the label) and by keyword-position metrics.
# Ordered longest first within a type so multi-word phrases win.
TYPE_WORDS: dict[str, tuple[str, ...]] = {
    "Template": ("templates", "template", "layouts", "layout"),
    "Photo": ("photographs", "photograph", "photos", "photo", "images", "image", "pictures", "picture", "pics", "pic"),
    "Video": ("videos", "video", "clips", "clip", "footage", "animations", "animation"),
    "Audio": ("audio", "music", "soundtracks", "soundtrack", "sound effects", "sound effect", "sounds", "songs", "song"),
    "Background": ("backgrounds", "background", "backdrops", "backdrop", "wallpapers", "wallpaper", "textures", "texture"),
    "Design Asset": ("design assets", "design asset", "icons", "icon", "stickers", "sticker", "illustrations", "illustration", "graphics", "graphic", "clipart", "clip art"),
    "Text": ("fonts", "font", "typefaces", "typeface", "text effects", "text effect", "text styles", "text style", "lettering"),
}

_TYPE_WORD_RE = {
    ct: re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)
    for ct, words in TYPE_WORDS.items()
}


def type_words_in(text: str) -> dict[str, list[tuple[int, int]]]:
    """Character spans of content-type words found in ``text``, per content type."""
    found: dict[str, list[tuple[int, int]]] = {}
    for ct, rx in _TYPE_WORD_RE.items():
        spans = [m.span() for m in rx.finditer(text)]
        if spans:
            found[ct] = spans
    return found


@dataclass(frozen=True)
class LabelledQuery:
    """One query with its target call (the golden-set and training contract)."""

    query: str
    function: str
    content_type: str
    extracted_prompt: str

    def __post_init__(self) -> None:
        if self.function not in FUNCTIONS:
            raise ValueError(f"function must be one of {FUNCTIONS}, got {self.function!r}")
        if self.content_type not in CONTENT_TYPES:
            raise ValueError(f"content_type must be one of {CONTENT_TYPES}, got {self.content_type!r}")
