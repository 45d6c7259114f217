"""Defaults: the package's tunable numbers in one documented place (caches, limits, encoders, workers).

Every stage imports its defaults from here, so an operator reads one file to know what the package
keeps, refuses and spends. Two can be set without code, by environment variable (megabytes):
NETRAL_LAYER_CACHE_MB and NETRAL_LAYER_PIXELS_MB. Figures after "measured" were measured on the
project's 2-core machine (see the benchmarks).
"""

import os

MB = 1024 * 1024


def _megabytes(variable: str, default: int) -> int:
    return int(os.environ.get(variable, default)) * MB


# -- rendering: caches of one process (assets/layers.py, render/fitting.py) --------------------------
# Layered designs' bodies are kept as PDF (a whole kit's posters and twibbons take a few MB); raster
# bodies also keep their pixels while LAYER_PIXEL_BYTES allows (a feed poster is 4.4 MB; copying the
# pixels costs a fraction of the ~10-20 ms of drawing the PDF again), and beyond it zlib-packed.
LAYER_CACHE_BYTES = _megabytes("NETRAL_LAYER_CACHE_MB", 32)
LAYER_PIXEL_BYTES = _megabytes("NETRAL_LAYER_PIXELS_MB", 96)
LAYER_PACKED_BYTES = 16 * MB  # a poster's packed pixels are ~200 KB
AGENCY_LAYERS_KEPT = 8  # agency layers (footers) kept by their HTML
WORDS_KEPT = 8192  # measured word widths kept per font (names typed on the web land here)

# -- output: encoders (output/writers.py) ------------------------------------------------------------
JPEG_QUALITY = 90
WEBP_QUALITY = 88

# -- photo framing (photo/decode.py) -----------------------------------------------------------------
PHOTO_MAX_BYTES = 40 * MB
PHOTO_MAX_PIXELS = 50_000_000  # checked from the header, before any pixel is decoded
# JPEGs decode at 1/2 to 1/8 scale, so a 108 MP phone photo costs less than a 50 MP PNG; its decoded
# pixels are still held to PHOTO_MAX_PIXELS. (Pillow itself refuses anything above 179 MP.)
PHOTO_MAX_JPEG_PIXELS = 150_000_000
ICC_TRANSFORMS_KEPT = 32  # ICC -> sRGB transforms, keyed by a digest of the (uploaded) profile

# -- batch workers (batch/workers.py) ----------------------------------------------------------------
# Pixels of layered bodies a worker keeps raw; the others are kept packed and unpacked (~3 ms).
WORKER_PIXEL_MB = 20
# A worker that dies is replaced and the agencies it had are retried, each at most this many times.
MAX_ATTEMPTS = 2
# A worker's memory creeps up below Python (text and font libraries' caches: ~15 MB a worker over 257
# kits, measured), so it is replaced after this many agencies; a replacement costs its lane ~0.4 s.
WORKER_AGENCIES = 100

# -- web app (web/frames.py, web/kits.py) ------------------------------------------------------------
FRAME_PNG_CACHE_BYTES = 96 * MB  # rendered frames as PNG, by design, agency, format and name
DECODED_FRAMES = 6  # decoded frames kept for server-side framing
KIT_JOB_TTL_SECONDS = 15 * 60
MAX_KIT_JOBS = 12  # finished ZIPs are kept in memory until downloaded or expired
MAX_RUNNING_KIT_JOBS = 2
