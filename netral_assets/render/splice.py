"""The leaflet's layered layout: a design that names its agency slots + an agency -> the leaflet's pages,
checked, as a body laid out once per process with the agency's slots spliced in as WeasyPrint boxes.

Almost all of a leaflet is the same for every agency; only its slots hold the agency's own content
(the name, the contact block). A design lists them in design.toml (`slots`); the template marks each
slot element with `data-slot` and wraps its content in `l.slot(name)`. Such a leaflet is laid out in
two layers:
- "agency": the slots alone, in just enough of the page to give them their places, widths and styles;
- "body": everything else, rendered without the agency. A slot in the flow keeps its place with a
  spacer as tall as the agency layer laid its content out, so the body lays out exactly as the whole
  leaflet would; an absolutely positioned slot moves nothing else and stays empty. The body depends
  on the agency only through those heights: a few bodies serve every agency (the trifold's slots are
  absolutely positioned: one serves all), each laid out once per process and kept, keyed by its HTML.
The agency layer's slots are then spliced into a copy of the body's page: an absolutely positioned
slot whole, at the place the agency layer gave it; a slot in the flow by its content, translated into
the spacer's place. Pages without slots are the body's own. Drawing, tagging and preflight see one
layout, in document order, as if it had been laid out whole. Layout was over half of a leaflet's cost.

A slot must establish its own formatting context (absolutely positioned, an inline-block, a table
cell…), so that nothing around it shapes its content, and be the same size in both layers (in the
same place, when absolutely positioned).

The splice works on WeasyPrint's layout boxes, which WeasyPrint does not promise to keep; it reaches
them only through `checks.boxes`. It is an optimisation, never a requirement: the leaflet is laid out
whole instead, with one warning per design (per process for the version gate), when
- the installed WeasyPrint is not one `checks.boxes.TESTED_WEASYPRINT` lists (not attempted at all);
- the layers break a rule above;
- anything else fails while the layers are laid out, spliced or drawn (an AttributeError or a
  TypeError from a changed WeasyPrint, say). A `NetralError` is the user's to read and is raised as
  it is; the whole layout would raise it too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ..caching import Kept
from ..checks import boxes
from ..checks.pages import CheckedPages, check_page, page_marks, page_regions
from ..errors import NetralError
from ..model.agencies import Agency
from ..model.designs import Design, Format
from ..model.pack import Pack
from .document import Rendered, design_html, lay_out, render_design

log = logging.getLogger(__name__)

# Bodies kept per process, ~4 MB each. A batch of every agency in the registry needs 1 trifold body
# and 16 single ones (names of 1–3 lines, contact blocks), three of which serve 97 % of agencies: four
# kept hold the usual ones, and a batch worker's memory stays small.
BODY_LIMIT = 4
_bodies = Kept(BODY_LIMIT)  # of CheckedPages
# Drawing reuses the body's boxes and their Pango text layouts, which are not safe to draw from two
# threads at once: a layered leaflet is written under this lock.
_drawing_lock = threading.Lock()
_warned: set = set()  # what has been said once per process (design paths; "weasyprint" for the gate)
_warned_lock = threading.Lock()


class _Unlayerable(Exception):
    """The layers cannot stand for the whole layout (see above); the message says why."""


def clear_cache() -> None:
    """Forget the kept bodies and which fallbacks have been warned about (for tests, and after the
    pack's files changed under a long-running process)."""
    _bodies.clear()
    with _warned_lock:
        _warned.clear()


def lay_out_leaflet(
    pack: Pack,
    design: Design,
    fmt: Format,
    agency: Agency,
    common: dict,
    own: dict,
    print_marks: bool,
    write: Callable[[CheckedPages], bytes],
) -> tuple[CheckedPages, bytes]:
    """The leaflet's layout with its pages checked, and its bytes as `write` makes them from it.

    `common` is the template context of every layer; `own` what depends on the agency (the body is
    rendered without it, and without `agency`). Layered when the design has slots and nothing stops
    it (see above), else laid out whole; `write` runs under the drawing lock when the layout shares
    boxes with a kept body."""
    if design.meta.get("slots"):
        if not boxes.tested_weasyprint():
            _warn_once(
                "weasyprint",
                "Leaflet %s: WeasyPrint %s belum diuji untuk tata letak berlapis (diuji: %s); leaflet ditata utuh.",
                design.name, boxes.weasyprint_version(), ", ".join(f"{v}.x" for v in boxes.TESTED_WEASYPRINT),
            )
        else:
            try:
                checked = _lay_out_layers(pack, design, fmt, agency, common, own, print_marks)
                with _drawing_lock:
                    return checked, write(checked)
            except NetralError:
                raise
            except _Unlayerable as exc:
                _warn_once(design.path, "Leaflet %s: lapisan tidak dapat dipakai (%s); ditata utuh.", design.name, exc)
            except Exception as exc:  # WeasyPrint's boxes are not what the splice expects
                log.debug("Layered layout of %s failed", design.name, exc_info=exc)
                _warn_once(
                    design.path, "Leaflet %s: lapisan tidak dapat dipakai (%s: %s); ditata utuh.",
                    design.name, type(exc).__name__, exc,
                )
    checked = CheckedPages.of(render_design(pack, design, fmt.name, agency, {**common, **own}, print_marks))
    return checked, write(checked)


def _warn_once(key, message: str, *args) -> None:
    with _warned_lock:
        if key in _warned:
            return
        _warned.add(key)
    log.warning(message, *args)


def _body(pack: Pack, source) -> CheckedPages:
    key = (source.key, tuple(pack.roots()))
    body = _bodies.get(key)
    if body is None:
        body = CheckedPages.of(lay_out(pack, source))
        _bodies.put(key, body)
    return body


def _slots(document) -> dict[str, tuple[int, object]]:
    """Each slot's box (the slot element's outermost box) and the index of its page, by name."""
    found = {}

    def walk(box, index):
        box = boxes.placed(box)  # an absolutely positioned box behind its placeholder
        name = boxes.element_attr(box, "data-slot")
        if name is not None:
            if name in found:
                raise _Unlayerable(f"slot {name} is split over several boxes")
            found[name] = (index, box)
            return
        for child in getattr(box, "children", None) or ():
            walk(child, index)

    for index, page in enumerate(document.pages):
        walk(boxes.page_box(page), index)
    return found


def _fill(slot, content) -> object:
    """What takes the place of the body's `slot` (the same element's box in the agency layer is
    `content`): `content` itself when absolutely positioned, else a copy of `slot` holding the
    content's children, moved to its place."""
    name = boxes.element_attr(slot, "data-slot")
    if not slot.establishes_formatting_context() or not content.establishes_formatting_context():
        raise _Unlayerable(f"slot {name} does not establish a formatting context")
    if content.is_absolutely_positioned():
        # the body's slot is empty: the agency layer's must be where the body would have put it,
        # anchored at the same top or bottom edge
        top, bottom = slot.position_y, slot.position_y + slot.margin_height()
        if not (
            slot.is_absolutely_positioned()
            and abs(slot.position_x - content.position_x) < 1e-6
            and abs(slot.margin_width() - content.margin_width()) < 1e-6
            and (abs(top - content.position_y) < 1e-6 or abs(bottom - content.position_y - content.margin_height()) < 1e-6)
        ):
            raise _Unlayerable(f"slot {name} is not in the same place in both layers")
        return content
    if abs(slot.width - content.width) > 1e-6 or abs(slot.height - content.height) > 1e-6:
        raise _Unlayerable(f"slot {name} differs in size between the layers")
    dx = slot.content_box_x() - content.content_box_x()
    dy = slot.content_box_y() - content.content_box_y()
    if dx or dy:
        stack = list(content.children)
        while stack:
            box = stack.pop()
            # backgrounds are laid out in page coordinates and translate() leaves them behind
            if getattr(box, "background", None) is not None:
                raise _Unlayerable(f"slot {name} has a background inside")
            stack.extend(boxes.children(box))
        for child in content.children:
            child.translate(dx, dy)
    filled = slot.copy()
    filled.children = list(content.children)
    return filled


def _splice(box, filled: dict[int, object]):
    """`box`, or a copy of it and of its ancestors of the slots in `filled` (id of the body's slot box
    -> its filled copy), sharing every other box with the body."""
    target = boxes.placed(box)
    if id(target) in filled:
        new = filled[id(target)]
    else:
        children = getattr(target, "children", None)
        if not children:
            return box
        new_children = [_splice(child, filled) for child in children]
        if all(a is b for a, b in zip(new_children, children, strict=True)):
            return box
        new = target.copy()  # a shallow copy: the body's own box is never changed
        new.children = new_children
    if not boxes.is_placeholder(box):
        return new
    return boxes.placeholder_for(new)


def _lay_out_layers(
    pack: Pack, design: Design, fmt: Format, agency: Agency, common: dict, own: dict, print_marks: bool
) -> CheckedPages:
    """The leaflet laid out as a cached body with the agency's slots spliced in (see above)."""
    names = set(design.meta["slots"])
    source = design_html(pack, design, fmt.name, agency, {**common, **own}, print_marks, layer="agency")
    agency_layer = lay_out(pack, source)
    contents = {name: box for name, (_, box) in _slots(agency_layer.document).items()}
    if set(contents) != names:
        raise _Unlayerable(f"agency layer has slots {sorted(contents)}, design.toml {sorted(names)}")
    heights = {name: box.height for name, box in contents.items() if not box.is_absolutely_positioned()}
    extra = {**common, "slot_heights": heights}
    body = _body(pack, design_html(pack, design, fmt.name, None, extra, print_marks, layer="body"))
    slots = _slots(body.rendered.document)
    if set(slots) != names:
        raise _Unlayerable(f"body has slots {sorted(slots)}, design.toml {sorted(names)}")
    filled = {id(box): _fill(box, contents[name]) for name, (_, box) in slots.items()}
    spliced = {index for index, _ in slots.values()}

    document = agency_layer.document  # its metadata is this leaflet's own (write_pdf sets it)
    pages, preflight, regions, texts, marks = [], [], [], [], []
    for index, page in enumerate(body.rendered.document.pages):
        if index in spliced:
            page = boxes.new_page(_splice(boxes.page_box(page), filled))
            preflight.append(check_page(document, page, fmt))  # (no figures: no "unsourced" finding)
            regions.append(page_regions(page))
            texts.append(boxes.page_text(page))
            marks.append(page_marks(page))
        else:
            preflight.append(body.preflight[index])
            regions.append(body.regions[index])
            texts.append(body.texts[index])
            marks.append(body.marks[index])
        pages.append(page)
    sources = [dict(figure) for figure in body.rendered.sources]  # the Asset's own, not the cache's
    rendered = Rendered(document.copy(pages), design, fmt, sources, print_marks)
    return CheckedPages(rendered, preflight, regions, texts, marks)

