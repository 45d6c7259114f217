"""The WeasyPrint box adapter: a laid-out document's pages -> their layout boxes, walked, read and (for
the leaflet splice) rebuilt.

Every access to WeasyPrint's private layout internals goes through this module and nowhere else: the
page's box tree (`Page._page_box`), the box behind an absolute placeholder (`AbsolutePlaceholder._box`),
building an `AbsolutePlaceholder` or a `weasyprint.document.Page` by hand, and the temporary font
folder of a `FontConfiguration` (`_folder`). The rest of the package
reads boxes through these functions and the boxes' own attributes (`children`, `element`, `style`,
`position_x`, `margin_width()`…), never their private ones.

WeasyPrint does not promise any of this between versions. `TESTED_WEASYPRINT` lists the versions the
test suite has been run against (`test_layered_leaflet_is_the_whole_leaflet` guards the splice);
pyproject pins the same range. Code that can do without these internals (the leaflet's layered layout
falls back to the whole layout) asks `tested_weasyprint()` first.
"""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

# Major versions of WeasyPrint this adapter is tested with (pyproject: weasyprint>=70,<71). Raise it on
# purpose, with the pin, after the leaflet and preflight tests pass on the new version.
TESTED_WEASYPRINT = ("70",)


def weasyprint_version() -> str:
    import weasyprint

    return weasyprint.__version__


def tested_weasyprint() -> bool:
    """Whether the installed WeasyPrint is one this adapter is tested with."""
    return weasyprint_version().split(".")[0] in TESTED_WEASYPRINT


# -- reading -----------------------------------------------------------------------------------------
def page_box(page):
    """The root of a laid-out page's box tree (its PageBox)."""
    return page._page_box


def placed(box):
    """The box an absolute placeholder stands for, or `box` itself."""
    return getattr(box, "_box", None) or box


def is_placeholder(box) -> bool:
    """Whether `box` is a placeholder standing for an absolutely positioned box."""
    return getattr(box, "_box", None) is not None


def children(box) -> list:
    """A box's children; for a placeholder, the box it stands for."""
    inner = getattr(box, "_box", None)  # absolutely positioned boxes sit behind a placeholder
    if inner is not None:
        return [inner]
    return getattr(box, "children", []) or []


@cache
def _text_box():
    from weasyprint.formatting_structure.boxes import TextBox

    return TextBox


def is_text(box) -> bool:
    return isinstance(box, _text_box())


def is_page(box) -> bool:
    return type(box).__name__ == "PageBox"


def is_line(box) -> bool:
    """Whether `box` is one laid-out line of a block."""
    return type(box).__name__ == "LineBox"


def lines(box) -> list:
    """The line boxes directly inside a block container, top to bottom (empty for other boxes)."""
    return [child for child in getattr(box, "children", None) or () if is_line(child)]


def text_of(box) -> str:
    """The text laid out inside `box` (a line: what that line prints), in box order."""
    parts = []

    def walk(b):
        if is_text(b):
            parts.append(b.text)
        for child in children(b):
            walk(child)

    walk(box)
    return "".join(parts)


def source_text(box) -> str:
    """The text of the element that generated `box`, as written in the document (before line breaking
    and text-transform; generated content such as ::before is not in it)."""
    element = getattr(box, "element", None)
    if element is None:
        return ""
    return "".join(element.itertext())


def element_attr(box, name: str) -> str | None:
    """The attribute `name` of the element that generated `box`, when `box` is that element's own block
    (not a line, a run of text or an inline box inside it, nor its ::before/::after)."""
    element = getattr(box, "element", None)
    if element is None or type(box).__name__ in ("LineBox", "TextBox", "InlineBox"):
        return None
    if "::" in (getattr(box, "element_tag", "") or ""):  # ::before/::after share their parent's element
        return None
    return element.get(name)


def element_of(box):
    """The element that generated `box` (the placed box's, for a placeholder), or None."""
    return getattr(placed(box), "element", None)


def region_name(box) -> str | None:
    """The text region a box is (`data-box="name"` on its element)."""
    return element_attr(box, "data-box")


def margin_rect(box) -> tuple[float, float, float, float]:
    return (box.position_x, box.position_y, box.position_x + box.margin_width(),
            box.position_y + box.margin_height())


def border_rect(box) -> tuple[float, float, float, float]:
    x = box.position_x + box.margin_left
    y = box.position_y + box.margin_top
    return (x, y, x + box.border_width(), y + box.border_height())


def page_text(page) -> str:
    """All the text on a page, in box order, whitespace collapsed."""
    parts = []

    def walk(box):
        if is_text(box):
            parts.append(box.text)
        for child in children(box):
            walk(child)

    walk(page_box(page))
    return " ".join(" ".join(parts).split())


# -- rebuilding (the leaflet splice) --------------------------------------------------------------------
def placeholder_for(box):
    """A new absolute placeholder standing for the laid-out `box`."""
    from weasyprint.layout.absolute import AbsolutePlaceholder

    placeholder = AbsolutePlaceholder(box)
    placeholder.set_laid_out_box(box)
    return placeholder


def new_page(root):
    """A new laid-out page whose box tree is `root` (a PageBox)."""
    from weasyprint.document import Page

    return Page(root)


def remove_font_folder(config) -> None:
    """Delete the temporary folder a WeasyPrint `FontConfiguration` copies @font-face files into (only
    its `__del__` removes it, and the renderer's one configuration lives as long as the process)."""
    folder = getattr(config, "_folder", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def font_files(document) -> list[Path]:
    """The font files a laid-out document's @font-face rules registered: WeasyPrint's
    `FontConfiguration` copies each into its temporary folder (`_folder`), one file per rule. Empty when
    the document has no configuration or no @font-face rule."""
    folder = getattr(getattr(document, "font_config", None), "_folder", None)
    if not folder:
        return []
    try:
        return sorted(p for p in Path(folder).iterdir() if p.is_file())
    except OSError:
        return []
