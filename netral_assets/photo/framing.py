"""The photo package's public names under their old module path, for importers written before the split
(`assets/twibbon.py`, `web/frames.py`, `tests/test_web_browser.py`). New code imports from `placement`,
`decode`, `face`, `frame` or `jobs`; see the package docstring."""

from .decode import BROKEN_FILE, LIMITS, PHOTO_FORMATS, PHOTO_SUFFIXES, Limits, open_photo
from .face import AUTO_MAX_ZOOM, FACE_EXTRA, FACE_LIFT, FACE_WIDTH, find_face
from .frame import OUTPUT_SUFFIXES, UPSCALE_WARNING, WHITE, Frame, Framed, encode_framed, frame_photo
from .jobs import PhotoJob, PhotoResult, Plan, collect_photos, plan_jobs, read_people, run_jobs, unique_stem
from .placement import OFFSET_LIMIT, ZOOM_RANGE, Placement, cover_scale, output_to_photo

# The old names of the job types (renamed: `kit` has a `Job` of its own).
Job = PhotoJob
JobResult = PhotoResult

__all__ = [
    "AUTO_MAX_ZOOM", "BROKEN_FILE", "FACE_EXTRA", "FACE_LIFT", "FACE_WIDTH", "LIMITS", "OFFSET_LIMIT",
    "OUTPUT_SUFFIXES", "PHOTO_FORMATS", "PHOTO_SUFFIXES", "UPSCALE_WARNING", "WHITE", "ZOOM_RANGE",
    "Frame", "Framed", "Job", "JobResult", "Limits", "PhotoJob", "PhotoResult", "Placement", "Plan",
    "collect_photos", "cover_scale", "encode_framed", "find_face", "frame_photo", "open_photo",
    "output_to_photo", "plan_jobs", "read_people", "run_jobs", "unique_stem",
]
