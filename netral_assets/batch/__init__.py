"""Batch runs: a selection of agencies -> their kits under one folder, in worker processes, resumable,
with a national manifest and a proof sheet to approve."""
