"""The run's records: the kits' results -> DIR/manifest.json (every file of every agency, each source
once, every error), and DIR/.netral/state.json (what the next run reuses: each agency's ZIP record and
the proof's).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from .._version import __version__
from ..files import atomic_file, sha256_of, write_atomic
from ..kit.manifest import compact_bytes
from ..model.pack import Pack
from .options import MANIFEST, STATE_DIR, AgencyResult, agency_files


def public_selection(selection: dict) -> dict:
    """The selection as the manifest shows it: the agencies CSV by its file name and sha256, never by
    its path (which names the operator's home folder, their username)."""
    csv = selection.get("agencies_csv")
    if not csv:
        return selection
    path = Path(csv)
    return {**selection, "agencies_csv": path.name, "agencies_csv_sha256": sha256_of(path)}


def write_national_manifest(pack: Pack, out: Path, results: list[AgencyResult], errors: list[dict],
                            selection: dict, seconds: float, proof: dict | None) -> None:
    """DIR/manifest.json: every file of every agency (read back from the agency manifests one at a
    time), each source once (files name them by id), every error. One record per line in the long lists."""
    agencies = []
    for r in results:
        status = "galat" if r.errors else ("temuan" if r.findings else "ok")
        record = {**r.agency, "folder": r.folder, "status": status, "files": r.files, "rendered": r.rendered,
                  "skipped": r.skipped, "findings": r.findings, "errors": r.errors}
        if r.zip:
            record["zip"] = r.zip
        if r.overrides:
            record["overrides"] = r.overrides
        agencies.append(record)
    head = {
        "generator": f"netral-assets {__version__}",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "campaign": pack.name,
        "selection": public_selection(selection),
        # a file of the run carries the "DRAF — BELUM DISETUJUI" mark: circulate, do not publish
        "draft": any(r.draft for r in results),
        "summary": {
            "agencies": len(results),
            "agencies_failed": sum(1 for r in results if r.errors),
            "files": sum(r.files for r in results),
            "rendered": sum(r.rendered for r in results),
            "skipped": sum(r.skipped for r in results),
            "files_with_findings": sum(r.findings for r in results),
            "errors": len(errors),
            "seconds": round(seconds, 2),
        },
    }
    sources: dict[str, dict] = {}

    def key(name: str) -> str:
        return f"  {json.dumps(name)}: "

    def rows(items) -> str:
        return "[\n" + ",\n".join("    " + json.dumps(v, ensure_ascii=False) for v in items) + "\n  ]"

    def pretty(value) -> str:
        return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ")

    with atomic_file(out / MANIFEST) as f:
        write = lambda text: f.write(text.encode())  # noqa: E731
        write("{\n" + ",\n".join(key(k) + pretty(v) for k, v in head.items()) + ",\n")
        write(key("agencies") + (rows(agencies) if agencies else "[]") + ",\n")
        write(key("files") + "[")
        first = True
        for r in results:
            for entry in agency_files(out, r):
                ids = []
                for source in entry["sources"]:
                    sources.setdefault(source["id"], source)
                    ids.append(source["id"])
                record = {"path": f"{r.folder}/{entry['path']}", "agency": r.agency["slug"],
                          "agency_name": r.agency["name"],
                          **{k: entry[k] for k in ("kind", "design", "format", "variant", "size", "sha256", "bytes", "alt")},
                          "sources": ids, "findings": entry["findings"], "fingerprint": entry["fingerprint"],
                          **({"draft": True} if entry.get("draft") else {})}
                write(("\n" if first else ",\n") + "    " + json.dumps(record, ensure_ascii=False))
                first = False
        write(("\n  ]" if not first else "]") + ",\n")
        tail = {"sources": {k: sources[k] for k in sorted(sources)}, "errors": errors, "proof": proof}
        write(",\n".join(key(k) + pretty(v) for k, v in tail.items()) + "\n}\n")


def read_run_state(out: Path) -> dict:
    """What the last run left for this one: each agency's ZIP record and the proof's (small, unlike
    the national manifest, which is never read back)."""
    try:
        state = json.loads((out / STATE_DIR / "state.json").read_text("utf-8"))
        return state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        return {}



def write_run_state(out: Path, zips: dict, proof: dict | None) -> None:
    write_atomic(out / STATE_DIR / "state.json", compact_bytes({"zips": zips, "proof": proof}))
