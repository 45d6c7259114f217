"""Batch runs: a selection of agencies -> their kits under one folder, in worker processes, resumable,
with a national manifest and a proof sheet to approve.

Under one folder DIR: `DIR/<province-slug>/<agency-slug>/` (the kit folder as `netral kit` writes it;
central agencies under `pusat/`, units of a CSV without a province under `lainnya/`; with `zip`, also
`DIR/<province-slug>/<agency-slug>.zip`), `DIR/manifest.json` (every file with its sha256, agency,
design, format, sources and findings, and every error) and `DIR/proof.pdf` (a contact sheet of every
asset with its agency's name and findings).

In pipeline order: `options` (selection, options, results), `workers` (the worker lanes), `proof`
(thumbnails and the proof sheet), `agency` (one agency's kit in a worker), `national` (the national
manifest and run state), `run` (`run_batch`).
"""

from .options import (
    BATCH_LEVELS,
    AgencyResult,
    BatchOptions,
    BatchResult,
    agency_folder,
    select_agencies,
    summarise_errors,
)
from .proof import selection_text
from .run import run_batch

__all__ = ["BATCH_LEVELS", "AgencyResult", "BatchOptions", "BatchResult", "agency_folder", "run_batch",
           "select_agencies", "selection_text", "summarise_errors"]
