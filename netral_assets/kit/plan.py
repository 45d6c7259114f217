"""The kit's plan: agency + `KitOptions` -> the `Job`s of its folder, each with a fingerprint of every
input that shapes its bytes.

A job knows its file name, kind, design and format, and carries a fingerprint of the pack files it
reads (brand.toml, content, statistics, logo, the design folder, the shared templates, the fonts), the
agency record, the options, and the versions of this package's rendering code (`RENDERING_SOURCES`) and
of the libraries that draw. Same fingerprint, same file: a re-run skips what is up to date.

The agency's own emblem (`emblem_for`: `KitOptions.logo`, else the agency record's `logo` from its
CSV, else a file named by its slug or code in `KitOptions.logos`) is shown by the twibbons, the
lockups and the posters (footer, carousel); its sha256 is in exactly those jobs' fingerprints.

The plan is made from the pack as it applies to the agency (`Pack.for_agency`: national -> province ->
agency override folders), so the files of those folders are in the fingerprints of exactly the
agencies they apply to. `KitOptions.draft` marks every file "DRAF — BELUM DISETUJUI" (output/draft.py):
it is in every fingerprint of a draft, so the final run without it makes each file again, once.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import metadata
from pathlib import Path

from .._version import __version__
from ..assets.message import needs_content
from ..errors import NetralError
from ..files import sha256_of
from ..model.agencies import Agency
from ..model.designs import CAROUSEL, list_designs
from ..model.pack import Pack
from ..resources import PACKAGE_DIR

KIT_PARTS = ("twibbon", "logo", "poster", "carousel", "stiker", "leaflet", "cetak")
# What `netral kit` and `netral batch` make by default (issues 3, 4 and 15): every twibbon design as
# a square PNG, the logo set, every poster design in these formats, every poster design's carousel
# (its slides as numbered JPEGs and one PDF of them: "carousel" in the poster formats, part
# "carousel"), every leaflet variant, and the print files (part "cetak"): beside each screen PDF of a
# print format (A4, A3, the trifold leaflet) a `*-cetak.pdf` with 3 mm bleed and crop marks (and the
# leaflet's fold marks) for a print shop. The manifest says which is which ("print": true / false).
# Part "stiker" (issue 17): the WhatsApp sticker set, `stiker-<design>.webp` (512×512, transparent,
# under 100 KB); only "Saya ASN Netral" names the agency, the others are the same file for every agency.
KIT_TWIBBON_FORMATS = (("square", ".png"),)
KIT_POSTER_FORMATS = (("feed", ".jpg"), ("story", ".jpg"), ("a4", ".pdf"), ("a3", ".pdf"), ("carousel", ".jpg"))
KIT_PRINT_LEAFLETS = ("trifold",)  # the leaflets that are printed and folded (`single` is for phones)
PRINT_SUFFIX = "-cetak"  # poster-larangan-a4-cetak.pdf, leaflet-trifold-cetak.pdf
LOGO_LAYOUTS = ("horizontal", "stacked")
# The packages and modules whose code shapes an asset's bytes, named explicitly (a new subpackage is
# either added here or does not render): their source is part of each fingerprint, so a fixed renderer
# re-renders what it made before. Batch, photo framing, the CLI and the web app only call them.
RENDERING_SOURCES = ("model", "render", "checks", "output", "assets", "kit", "errors.py", "resources.py")


@dataclass
class KitOptions:
    """What a kit holds; the defaults are the full kit."""

    only: tuple[str, ...] = KIT_PARTS
    twibbon_formats: tuple = KIT_TWIBBON_FORMATS
    poster_formats: tuple = KIT_POSTER_FORMATS
    extra: dict = field(default_factory=dict)  # extra template context for posters
    # An issuing identity's folder (`netral identity init|import`): every picture and PDF is signed with
    # it and manifest.json gets a detached signature (provenance/). None: nothing is signed.
    identity: str | None = None
    # The agency's own emblem (PNG, JPEG or SVG), shown in the twibbons, the lockups and the posters'
    # footers instead of a second campaign mark: `logo` is one file (one agency: `netral kit --logo`);
    # `logos` a folder of files named by slug or code (`kabupaten-sleman.svg`, `34.04.png`), looked up
    # for each agency (`netral batch --logos`). See `emblem_for` for the order.
    logo: str | None = None
    logos: str | None = None
    # Review before publishing: every file carries the diagonal "DRAF — BELUM DISETUJUI" mark and the
    # manifest says "draft": true (`--draft`).
    draft: bool = False

    def __post_init__(self) -> None:
        self.only = tuple(self.only)
        unknown = set(self.only) - set(KIT_PARTS)
        if unknown:
            raise NetralError(f"Bagian kit tidak dikenal: {', '.join(sorted(unknown))}. Pilih: {', '.join(KIT_PARTS)}.")
        if not self.only:
            raise NetralError(f"Pilih minimal satu bagian kit: {', '.join(KIT_PARTS)}.")

    def as_dict(self) -> dict:
        return {"only": list(self.only), "twibbon_formats": [list(f) for f in self.twibbon_formats],
                "poster_formats": [list(f) for f in self.poster_formats], "extra": self.extra,
                **({"draft": True} if self.draft else {})}


@dataclass(frozen=True)
class Job:
    """One file of a kit, before it is made."""

    name: str  # file name inside the agency folder
    kind: str  # twibbon, logo, poster, leaflet
    design: str
    format: str  # square, feed, a4, horizontal, mark, a4-landscape …
    fingerprint: str  # sha256 of every input; same fingerprint, same file
    pack: Pack = field(repr=False, compare=False)
    agency: Agency | None = field(repr=False, compare=False)  # None: the same file for every agency
    options: KitOptions = field(repr=False, compare=False)
    set_key: str = field(default="", repr=False, compare=False)  # the inputs of the file's set (not its format)
    print_marks: bool = False  # a *-cetak.pdf: bleed and crop (and fold) marks
    # What the manifest says of the file besides the asset's own record: "print" (true for the
    # *-cetak.pdf files, false for the screen PDFs beside them), a carousel's "slide" and "slides".
    entry: dict = field(default_factory=dict, repr=False, compare=False)
    emblem: Emblem | None = field(default=None, repr=False, compare=False)  # shown by this file
    # The short code printed on the file ("Cek keaslian: …/cek/K7Q2-9XA", provenance/codes.py) and
    # registered in the kit's keaslian/index.json; None for files that carry none (twibbons, stickers,
    # logos, a carousel's cover and point slides).
    code: str | None = None

    @property
    def ext(self) -> str:
        return Path(self.name).suffix.lower()


# -- the agency's emblem -----------------------------------------------------------------------------

EMBLEM_EXTENSIONS = (".png", ".jpg", ".jpeg", ".svg")
# The kinds and designs that show the emblem: the twibbons, the lockups (not the mark, which is the
# same for every agency) and the posters (their footer band, also on carousel slides and print files).
EMBLEM_SHOWN_BY = ("twibbon", "lockup", "poster")


@dataclass(frozen=True)
class Emblem:
    """An agency's emblem file: its path on this machine, its name and sha256 (what manifests say)."""

    path: Path
    name: str
    sha256: str

    @classmethod
    def of(cls, path: str | Path) -> Emblem:
        path = Path(path)
        digest = sha256_of(path) if path.is_file() else None
        if digest is None:
            kind = "adalah folder, bukan berkas" if path.is_dir() else "tidak ada"
            raise NetralError(f"Berkas logo {path} {kind}. Beri berkas logo PNG, JPEG atau SVG.")
        return cls(path, path.name, digest)

    def record(self) -> dict:
        return {"name": self.name, "sha256": self.sha256}


def emblem_for(agency: Agency, options: KitOptions | None = None) -> Emblem | None:
    """The agency's emblem for a kit: `options.logo` (one file, `netral kit --logo`), else the agency
    record's own (`logo` column of its CSV), else its file in `options.logos` (`netral batch --logos`),
    else None: the kit shows the campaign mark as before. Only the file's presence is checked here;
    its content is checked (and refused in Indonesian) by `assets.agency_logo` when it is drawn."""
    options = options or KitOptions()
    if options.logo:
        return Emblem.of(options.logo)
    if agency.logo:
        return Emblem.of(agency.logo)
    if options.logos:
        found = find_emblem(options.logos, agency)
        return Emblem.of(found) if found else None
    return None


def find_emblem(folder: str | Path, agency: Agency) -> Path | None:
    """The file in `folder` named by the agency's slug or code (`kabupaten-sleman.svg`, `34.04.png`;
    any case of PNG, JPEG or SVG), or None; two different files for one agency are refused."""
    files = _folder_files(str(Path(folder).resolve()))
    stems = dict.fromkeys(s.lower() for s in (agency.slug, agency.code) if s)
    found = sorted({files[(stem, ext)] for stem in stems for ext in EMBLEM_EXTENSIONS if (stem, ext) in files})
    if len(found) > 1:
        raise NetralError(f"Ada {len(found)} logo untuk {agency.short_name} di {folder}: "
                          f"{', '.join(p.name for p in found)}. Sisakan satu.")
    return found[0] if found else None


def _folder_files(folder: str) -> dict[tuple[str, str], Path]:
    """(stem, extension) in lower case -> file, of an emblem folder; listed once per folder and change
    (a batch looks up hundreds of agencies in one folder)."""
    try:
        stamp = os.stat(folder).st_mtime_ns
    except FileNotFoundError:
        raise NetralError(f"Folder logo {folder} tidak ada.") from None
    except NotADirectoryError:
        raise NetralError(f"{folder} bukan folder; --logos menerima folder berisi logo per instansi.") from None
    return _listing(folder, stamp)


@lru_cache(maxsize=4)
def _listing(folder: str, stamp: int) -> dict[tuple[str, str], Path]:
    try:
        names = os.listdir(folder)
    except NotADirectoryError:
        raise NetralError(f"{folder} bukan folder; --logos menerima folder berisi logo per instansi.") from None
    except PermissionError:
        raise NetralError(f"Folder logo {folder} tidak dapat dibaca (izin ditolak).") from None
    files = {}
    for name in names:
        stem, ext = os.path.splitext(name)
        if ext.lower() in EMBLEM_EXTENSIONS and not name.startswith("."):
            files[(stem.lower(), ext.lower())] = Path(folder) / name
    return files


def _extra_logo_sha(options: KitOptions) -> str | None:
    """A logo handed over already loaded (`extra["logo"]`, the web's upload): the sha256 of its data."""
    logo = (options.extra or {}).get("logo")
    if not logo:
        return None
    return hashlib.sha256(str(logo.get("uri", "")).encode()).hexdigest()


# -- fingerprints ------------------------------------------------------------------------------------

def _sha(value) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _file_sha(path: Path) -> str:
    """A pack file's sha256; the file must be there (it was found a moment ago)."""
    digest = sha256_of(path)
    if digest is None:
        raise FileNotFoundError(path)
    return digest


@cache
def software() -> dict:
    """This package's version and rendering source, and the versions of the libraries that draw."""
    code = hashlib.sha256()
    for source in RENDERING_SOURCES:
        top = PACKAGE_DIR / source
        for path in sorted(top.rglob("*.py")) if top.is_dir() else [top]:
            code.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    libraries = {}
    for name in ("weasyprint", "pypdfium2", "pikepdf", "pillow", "pydyf", "fonttools", "uharfbuzz", "jinja2", "babel"):
        try:
            libraries[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            libraries[name] = None
    return {"version": __version__, "code": code.hexdigest(), "libraries": libraries}


class _PackInputs:
    """Digests of a pack's files, computed once per pack: a batch plans hundreds of kits from them."""

    def __init__(self, pack: Pack):
        self.pack = pack
        self._cache: dict = {}

    def _memo(self, key, compute):
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def tree(self, part: str, rel: str, recursive: bool = True) -> str:
        """Files under `part/rel` as the pack resolves them (a user layer shadows the bundled one)."""

        def compute():
            files: dict[str, Path] = {}
            for layer in self.pack.layers(part):
                root = layer / rel
                if not root.is_dir():
                    continue
                for path in sorted(root.rglob("*") if recursive else root.glob("*")):
                    if path.is_file() and not path.name.startswith("."):
                        files.setdefault(path.relative_to(root).as_posix(), path)
            return _sha({name: _file_sha(path) for name, path in sorted(files.items())})

        return self._memo(("tree", part, rel, recursive), compute)

    def designs(self, kind: str) -> list:
        return self._memo(("designs", kind), lambda: list_designs(self.pack, kind))

    def file(self, part: str, rel: str) -> str:
        return self._memo(("file", part, rel), lambda: _file_sha(self.pack.find(part, rel)))

    def config(self) -> str:
        return self._memo("config", lambda: _sha(self.pack.config))

    def statistics(self) -> str:
        """The national statistics file and those of the override folders that apply (added figures)."""
        return self._memo("statistics", lambda: _sha([_file_sha(p) for p in self.pack.statistics_files()]))

    def fonts(self) -> str:
        return self._memo("fonts", lambda: _sha({p.name: _file_sha(p) for p in self.pack.font_files()}))

    def for_design(self, kind: str, design: str) -> dict:
        """Everything a designed asset (twibbon, poster, leaflet) reads from the pack."""
        return self._memo(("design", kind, design), lambda: {
            "config": self.config(),
            "content": self.tree("brand", "content"),
            "statistics": self.statistics(),
            "logo": self.tree("brand", "logo"),
            "fonts": self.fonts(),
            "base": self.tree("templates", "base"),
            "shared": self.tree("templates", kind, recursive=False),
            "design": self.tree("templates", f"{kind}/{design}"),
        })

    def for_mark(self) -> dict:
        # The mark is the logo file titled with the campaign name; no agency, colour or font reaches it.
        return self._memo("mark", lambda: {"name": self.pack.name, "logo": self.tree("brand", "logo")})

    def for_carousel(self) -> dict:
        # the shared carousel template (a poster design's own inputs cover the rest)
        return self._memo("carousel", lambda: {"carousel": self.tree("templates", "poster/carousel")})

    def for_lockup(self) -> dict:
        return self._memo("lockup", lambda: {
            "config": self.config(),
            "logo": self.tree("brand", "logo"),
            "fonts": self.fonts(),
            "design": self.tree("templates", "logo/lockup"),
        })


def _pack_inputs(pack: Pack) -> _PackInputs:
    # Kept on the pack itself: a Pack is a snapshot of its files (its config is cached the same way).
    inputs = pack.__dict__.get("_kit_inputs")
    if inputs is None:
        inputs = pack.__dict__["_kit_inputs"] = _PackInputs(pack)
    return inputs


def poster_context(pack: Pack, options: KitOptions) -> dict:
    """What the kit adds to posters' templates: the options' extra and the web app's public address
    (brand.toml `[web] public_url`: the invitation poster's QR code and address)."""
    public_url = options.extra.get("public_url") or pack.config.get("web", {}).get("public_url")
    return {**options.extra, "public_url": public_url} if public_url else options.extra


def signing_identity(options: KitOptions):
    """The options' issuing identity, loaded once per process and folder (None when not signing); a
    key others can read, a broken chain or an expired certificate is refused before anything is made."""
    if not options.identity:
        return None
    folder = Path(options.identity).resolve()
    return _identity(str(folder))


@lru_cache(maxsize=4)
def _identity(folder: str):
    from ..provenance import load_identity

    return load_identity(folder)


def check_address(pack: Pack, options: KitOptions) -> str | None:
    """The public address the authenticity line prints (`<address>/cek/<code>`): the options' extra
    `public_url`, else brand.toml `[web] public_url`; None: the line shows the bare code."""
    return options.extra.get("public_url") or pack.config.get("web", {}).get("public_url") or None


# The kinds whose files carry a short code (issue 19): every published poster, carousel (its closing
# slide and its PDF), leaflet and link card. Twibbons, stickers and logos never do: a person's framed
# photo must link to nothing.
CODE_KINDS = ("poster", "carousel", "leaflet", "card")


def edition(pack_inputs: dict, agency: Agency, emblem_sha: str | None) -> str:
    """What a design says for an agency, as a digest: the pack's inputs of the design (content,
    statistics, settings, templates), the agency record and its emblem; not the fonts, the software,
    the format, print marks, the draft mark or the signer. Its short code changes when this does."""
    said = {k: v for k, v in pack_inputs.items() if k != "fonts"}
    return _sha({"inputs": said, "agency": agency.as_dict(), "emblem": emblem_sha})


def code_for(agency: Agency, kind: str, design: str, pack_inputs: dict, emblem_sha: str | None) -> str:
    """The short code of an agency's design (`kind`: one of CODE_KINDS): shared by all its formats and
    print files, unchanged while its edition is."""
    from ..provenance.codes import short_code

    return short_code(agency.code, kind, design, edition(pack_inputs, agency, emblem_sha))


def part_of(entry: dict) -> str:
    """The kit part a manifest entry belongs to (carousels and print files are poster or leaflet
    kinds, but parts of their own)."""
    if entry.get("print"):
        return "cetak"
    if entry.get("variant") == CAROUSEL:
        return "carousel"
    if entry["kind"] == "sticker":
        return "stiker"
    return entry["kind"]


def _fingerprint(inputs: dict, agency: Agency | None, job: dict) -> str:
    return _sha({"inputs": inputs, "agency": agency.as_dict() if agency else None, "job": job,
                 "software": software()})


# -- the plan ----------------------------------------------------------------------------------------

def plan_kit(pack: Pack, agency: Agency, options: KitOptions | None = None) -> list[Job]:
    """Every file of the agency's kit, in the order a person reads the kit (from the pack as it applies
    to the agency: its province's and its own override folders)."""
    options = options or KitOptions()
    pack = pack.for_agency(agency)
    inputs = _pack_inputs(pack)
    jobs: list[Job] = []

    signer = signing_identity(options)
    signed = {"signed_by": signer.fingerprint()} if signer is not None else {}
    # The draft mark changes every file's bytes, not what is laid out: in the fingerprint, not the set key.
    draft = {"draft": True} if options.draft else {}
    emblem = emblem_for(agency, options)
    # The emblem's bytes shape exactly the files that show it; without one, nothing changes.
    emblem_sha = emblem.sha256 if emblem is not None else _extra_logo_sha(options)
    public_check = check_address(pack, options)

    def add(name, kind, design, fmt, pack_inputs, for_agency, settings=None, print_marks=False, entry=None,
            coded=None):
        shows = emblem_sha is not None and (kind if kind != "logo" else design) in EMBLEM_SHOWN_BY
        # `coded`: the code kind (CODE_KINDS) of a file that prints its short code; its address too
        code = code_for(agency, coded, design, pack_inputs, emblem_sha if shows else None) if coded else None
        settings = {**(settings or {}), **({"print": True} if print_marks else {}),
                    **({"emblem": emblem_sha} if shows else {}),
                    **({"code": code, "check_url": public_check} if coded else {})}
        spec = {"name": name, "kind": kind, "design": design, "format": fmt, **settings, **signed, **draft}
        set_key = _fingerprint(pack_inputs, for_agency, {"kind": kind, "design": design, **settings})
        jobs.append(Job(name, kind, design, fmt, _fingerprint(pack_inputs, for_agency, spec), pack, for_agency,
                        options, set_key, print_marks, {**(entry or {}), **draft}, emblem if shows else None,
                        code))

    if "twibbon" in options.only:
        for design in inputs.designs("twibbon"):
            for fmt, ext in options.twibbon_formats:
                if fmt in design.formats:
                    name = f"twibbon-{design.name}{'' if fmt == 'square' else '-' + fmt}{ext}"
                    add(name, "twibbon", design.name, fmt, inputs.for_design("twibbon", design.name), agency)
        # the link card (1200×630) for humas who post the agency page's link themselves (registry
        # agencies: a unit typed by hand has no page of its own)
        if agency.level != "custom":
            add("card.png", "card", "tautan", "card",
                {**inputs.for_design("card", "tautan"), "twibbon": inputs.tree("templates", "twibbon/bundar")},
                agency, coded="card")
    if "logo" in options.only:
        from ..assets.logo import MARK_PNG_SIZES

        mark = inputs.for_mark()
        add("logo-mark.svg", "logo", "mark", "mark", mark, None)
        add("logo-mark.pdf", "logo", "mark", "mark", mark, None)
        for px in MARK_PNG_SIZES:
            add(f"logo-mark-{px}.png", "logo", "mark", "mark", mark, None)
        for layout in LOGO_LAYOUTS:
            for ext in (".svg", ".pdf", ".png"):
                add(f"logo-{layout}{ext}", "logo", "lockup", layout, inputs.for_lockup(), agency)
    poster_extra = {"extra": poster_context(pack, options)}
    public_url = poster_extra["extra"].get("public_url")
    for design in inputs.designs("poster") if {"poster", "cetak"} & set(options.only) else ():
        if needs_content(design):  # the agency's own message or announcement: made with its words, not in a kit
            continue
        if design.meta.get("requires") == "public_url" and (not public_url or agency.level == "custom"):
            continue  # the invitation prints the web app's address (with a public URL, registry agencies)
        poster_inputs = inputs.for_design("poster", design.name)
        for fmt, ext in options.poster_formats:
            if fmt not in design.formats:
                continue
            name = f"poster-{design.name}-{fmt}"
            paper = ext == ".pdf" and design.format(fmt).is_print
            if "poster" in options.only:
                add(f"{name}{ext}", "poster", design.name, fmt, poster_inputs, agency, poster_extra,
                    entry={"print": False} if paper else None, coded="poster")
            if "cetak" in options.only and paper:
                add(f"{name}{PRINT_SUFFIX}.pdf", "poster", design.name, fmt, poster_inputs, agency, poster_extra,
                    print_marks=True, entry={"print": True, "screen": f"{name}{ext}"}, coded="poster")
    if "carousel" in options.only:
        for fmt, ext in options.poster_formats:
            if fmt != CAROUSEL:
                continue
            for design in inputs.designs("poster"):
                if design.carousel is not None:
                    _plan_carousel(add, pack, design, ext,
                                   {**inputs.for_design("poster", design.name), **inputs.for_carousel()},
                                   agency, poster_extra)
    if "stiker" in options.only:
        from ..assets.sticker import list_stickers, shows_agency, sticker_name

        for design in list_stickers(pack):
            add(sticker_name(design), "sticker", design.name, "sticker", inputs.for_design("sticker", design.name),
                agency if shows_agency(design) else None)
    for design in inputs.designs("leaflet") if {"leaflet", "cetak"} & set(options.only) else ():
        name = f"leaflet-{design.name}"
        leaflet_inputs = inputs.for_design("leaflet", design.name)
        paper = design.name in KIT_PRINT_LEAFLETS
        if "leaflet" in options.only:
            add(f"{name}.pdf", "leaflet", design.name, design.formats[0], leaflet_inputs, agency,
                entry={"print": False} if paper else None, coded="leaflet")
        if "cetak" in options.only and paper:
            add(f"{name}{PRINT_SUFFIX}.pdf", "leaflet", design.name, design.formats[0], leaflet_inputs, agency,
                print_marks=True, entry={"print": True, "screen": f"{name}.pdf"}, coded="leaflet")
    return jobs


def _plan_carousel(add, pack: Pack, design, ext: str, pack_inputs: dict, agency: Agency, settings: dict) -> None:
    """A poster design's carousel, as poster jobs of format "carousel": one job per slide (counted
    from the same content the template shows, so no point is left out) and one for the PDF of all of
    them; all drawn from one layout (the jobs share their set key, and assets/carousel.py keeps the
    set)."""
    from ..assets.carousel import pdf_name, slide_count, slide_name

    count = slide_count(pack, design)
    # One code for the set (the slides are one layout); the closing slide and the PDF show it and are
    # registered (`Job.code`), the other slides carry none.
    for number in range(1, count + 1):
        add(slide_name(design.name, number, ext), "poster", design.name, CAROUSEL, pack_inputs, agency, settings,
            entry={"slide": number, "slides": count}, coded="carousel")
    add(pdf_name(design.name), "poster", design.name, CAROUSEL, pack_inputs, agency, settings,
        entry={"slides": count}, coded="carousel")
