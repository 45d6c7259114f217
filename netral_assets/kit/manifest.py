"""What a kit folder says of itself: its files -> `manifest.json` (each file with its sha256, size, alt
text, sources, findings and fingerprint), `caption.txt` (the social caption, from the pack's
`content/caption.toml`), and the folder as one reproducible ZIP (`zip_kit`).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import tomllib
import zipfile
from collections.abc import Iterable
from pathlib import Path

from .._version import __version__
from ..assets.asset import Asset
from ..checks import stale_figures
from ..errors import NetralError
from ..model.agencies import Agency
from ..model.formatting import format_number
from ..model.pack import Pack
from .plan import Emblem, Job

MANIFEST = "manifest.json"
CAPTION = "caption.txt"
CAPTION_FILE = "content/caption.toml"  # in the pack's brand part: a --brand pack may override it
# Already-compressed formats are stored in a ZIP, not deflated again.
ZIP_STORED = frozenset({".png", ".jpg", ".jpeg", ".webp", ".pdf"})
# Every ZIP entry carries this date (the earliest a ZIP can hold): the same files, the same ZIP bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


# -- the caption -------------------------------------------------------------------------------------

def caption_text(pack: Pack, agency: Agency) -> str:
    """A ready Indonesian caption for social media: the pack's `content/caption.toml` filled in."""
    path = pack.find("brand", CAPTION_FILE)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
        text, channel = data["text"], data["channel"]
    except tomllib.TOMLDecodeError as exc:
        raise NetralError(f"Berkas {path} tidak valid (TOML): {exc}. Perbaiki sintaksnya.") from exc
    except KeyError as exc:
        raise NetralError(f"Berkas {path} tidak berisi kunci {exc}. Isi `text` dan `channel`.") from None
    channels = "\n".join(_fill(channel, {"name": c.name, "url": c.url, "id": c.id, "note": c.note}, path)
                         for c in pack.channels)
    return _fill(text, {"campaign": pack.name, "slogan": pack.slogan, "agency": agency.name,
                        "short_name": agency.short_name, "channels": channels,
                        "hashtags": " ".join(pack.hashtags)}, path)


def post_captions(pack: Pack, agency: Agency, entries: list[dict]) -> dict[str, str]:
    """One caption per post, by file name: every poster, carousel and twibbon of the kit (the files of
    one design share theirs). Built from `content/caption.toml [posts]`: the design's title and lead,
    its points (the design's content section), every figure with its source, the channels and tags."""
    path = pack.find("brand", CAPTION_FILE)
    with path.open("rb") as f:
        data = tomllib.load(f)
    posts = data.get("posts")
    if not posts:
        return {}
    channels = "\n".join(_fill(data["channel"], {"name": c.name, "url": c.url, "id": c.id, "note": c.note}, path)
                         for c in pack.channels)
    tail = "\n".join([posts.get("action", ""), channels, "", " ".join(pack.hashtags)])
    captions, made = {}, {}
    for entry in entries:
        kind, design = entry["kind"], entry["design"]
        if kind not in ("poster", "twibbon") or entry["path"].endswith(".pdf") and entry.get("variant") != "carousel":
            continue
        key = (kind, design)
        if key not in made:
            made[key] = _post_caption(pack, agency, kind, design, entry, posts, tail, path)
        captions[entry["path"]] = made[key]
    return captions


def _post_caption(pack, agency, kind, design, entry, posts, tail, path) -> str:
    from ..model.designs import load_design

    values = {"short_name": agency.short_name, "agency": agency.name, "campaign": pack.name,
              "slogan": pack.slogan, "hashtags": " ".join(pack.hashtags)}
    lead = posts.get("lead", {}).get("twibbon" if kind == "twibbon" else design, "")
    lines = []
    if kind == "twibbon":
        lines.append(_fill(posts["intro"], {**values, "title": f"{pack.name}: {pack.slogan}"}, path))
        lines.append(_fill(lead, values, path))
    else:
        d = load_design(pack, "poster", design)
        lines.append(_fill(posts["intro"], {**values, "title": d.title}, path))
        if lead:
            lines.append(_fill(lead, values, path))
        section = pack.content.get(d.meta.get("content", ""), {}) if d.meta.get("content") else {}
        for point in section.get("points", []):
            lines.append(_fill(posts["point"], {"text": " ".join(str(point.get("title", "")).split())}, path))
        for source in entry.get("sources") or []:
            figure = pack.statistics.get(source["id"])
            base = pack.statistics.base(figure)
            value = format_number(figure.value)
            percent = pack.statistics.percent_text(figure)
            if base is not None and percent:
                value = f"{value} dari {format_number(base.value)} ({percent})"
            lines.append(_fill(posts["figure"], {"label": figure.label, "period": " ".join(figure.period.split()),
                                                 "value": value,
                                                 "source": figure.source_line.removeprefix("Sumber: ")}, path))
    return "\n".join(lines) + "\n\n" + tail + "\n"


def captions_file(pack: Pack, agency: Agency, entries: list[dict]) -> str:
    """caption.txt: the kit's general caption, then one section per post ("Untuk poster-…")."""
    general = caption_text(pack, agency)
    by_text: dict[str, list[str]] = {}
    for name, text in post_captions(pack, agency, entries).items():
        by_text.setdefault(text, []).append(name)
    sections = [f"=== Untuk {', '.join(names)} ===\n\n{text}" for text, names in by_text.items()]
    return general + "".join("\n" + s for s in sections)


def _fill(template: str, values: dict[str, str], path: Path) -> str:
    """`{name}` -> its value; plain names only (no attribute access, unlike str.format)."""

    def value(match: re.Match) -> str:
        try:
            return values[match.group(1)]
        except KeyError:
            raise NetralError(f"Tempat isian {match.group(0)} di {path} tidak dikenal. "
                              f"Pakai: {', '.join('{' + k + '}' for k in values)}.") from None

    return re.sub(r"\{([^{}]*)\}", value, template)


# -- the manifest ------------------------------------------------------------------------------------

def with_warnings(entry: dict) -> dict:
    """The entry with its `warnings`: figures printed on it whose data is older than the statistics'
    age limit (not a finding: the file is right, the figure is old; `netral stats --check` says which)."""
    entry["warnings"] = [str(w) for w in stale_figures(entry.get("sources") or [])]
    return entry


def manifest_entry(asset: Asset, job: Job | None = None) -> dict:
    """The manifest's record of one file; with its job, also the fingerprint of its inputs."""
    entry = with_warnings(asset.manifest_entry())
    if job is not None:
        entry.update(job.entry)  # "print" (screen PDF or *-cetak.pdf), a carousel's "slide"/"slides"
        entry["fingerprint"] = job.fingerprint
    return entry


def manifest(pack: Pack, agency: Agency, assets: list[Asset], jobs: list[Job] | None = None,
             entries: list[dict] | None = None, emblem: Emblem | None = None,
             overrides: list[str] | None = None) -> dict:
    """The kit's manifest.json: every file with its sha256, size, alt text, sources and findings; the
    agency's emblem by file name and sha256 (never its path) when the kit shows one; the regional
    override folders that applied (`overrides`: "provinsi/34", "instansi/<slug>"); `"draft": true` while
    a file of the kit carries the draft mark (each such file's entry says so too)."""
    if entries is None:
        entries = [manifest_entry(a, j) for a, j in zip(assets, jobs or [None] * len(assets), strict=True)]
    data = {
        "generator": f"netral-assets {__version__}",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "campaign": pack.name,
        "agency": agency.as_dict(),
    }
    if emblem is not None:
        data["emblem"] = emblem.record()
    if overrides:
        data["overrides"] = list(overrides)
    data["draft"] = any(e.get("draft") for e in entries)
    data["files"] = entries
    return data


def manifest_bytes(data: dict) -> bytes:
    """The manifest as written when the kit is done: pretty, one key a line."""
    return json.dumps(data, ensure_ascii=False, indent=2).encode() + b"\n"


def compact_bytes(data: dict) -> bytes:
    """The manifest as written while the kit is being made: json's C encoder runs only without
    indent, ten times faster than pretty-printing."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def read_manifest(folder: Path, agency: Agency) -> dict[str, dict]:
    """The files the folder's manifest records with a fingerprint, by name (empty when there is none,
    or it is another agency's or unreadable: then everything is made again)."""
    try:
        data = json.loads((folder / MANIFEST).read_text("utf-8"))
        if data["agency"]["slug"] != agency.slug:
            return {}
        return {f["path"]: f for f in data["files"] if "fingerprint" in f}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


# -- the ZIP -----------------------------------------------------------------------------------------

def zip_kit(slug: str, files: Iterable[tuple[str, bytes]]) -> bytes:
    """A kit folder as one ZIP under `<slug>/`, byte for byte the same for the same files: entries
    sorted by name, dated 1980-01-01, mode 0644; already-compressed formats stored, the rest deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in sorted(files, key=lambda item: item[0]):
            info = zipfile.ZipInfo(f"{slug}/{name}", date_time=ZIP_DATE)
            stored = Path(name).suffix.lower() in ZIP_STORED
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out.getvalue()
