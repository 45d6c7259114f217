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
# Memory one photo may take while it is framed, estimated from its header before any pixel is decoded
# (decode.decode_cost: decoded pixels × the bytes each px costs in its mode while it is flattened, plus a
# progressive JPEG's coefficient buffer, which libjpeg holds at full size whatever the draft scale). A
# 50 MP RGB photo costs 200 MB; a transparent one 400 MB and is refused; so is a progressive 12000×12000
# JPEG (430 MB of coefficients). Measured peaks stay under the estimate (benchmarks/bench_memory.py).
PHOTO_MAX_DECODE_BYTES = 256 * MB
# A JPEG needs at least one bit per 8×8 block for its DC coefficients; a file with less than half a
# bit per luma block ends long before its image does and is refused (grey filler is not a photo).
JPEG_MIN_BITS_PER_BLOCK = 0.5

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
KIT_JOB_TTL_SECONDS = 15 * 60  # a finished kit's ZIP and thumbnails stay downloadable this long
MAX_KIT_JOBS = 12  # kits being built or waiting to be: the 13th gets 503 until one finishes
MAX_RUNNING_KIT_JOBS = 2
# A finished kit holds its place among MAX_KIT_JOBS only until its ZIP is fetched, or this long.
KIT_JOB_GRACE_SECONDS = 60
KIT_ZIPS_KEPT_BYTES = 256 * MB  # finished ZIPs kept for download; beyond it the oldest go first

# -- web app: keeping it serving (web/limits.py, web/state.py, web/server.py) ---------------------------
# Server-side framing (POST /api/v1/frame): every photo reserves its decode_cost plus this overhead
# (frame layers, the composed picture, the encoder) from one budget, so the framing pool never holds
# more than FRAMING_MEMORY_BYTES however many cores the host has; a photo that cannot get its share
# within FRAMING_WAIT_SECONDS is answered 503. At most FRAMING_QUEUE photos wait or run at once (their
# uploads, at most 40 MB each, are held while they wait).
FRAMING_MEMORY_BYTES = 1024 * MB
FRAMING_OVERHEAD_BYTES = 32 * MB
FRAMING_QUEUE = 8
FRAMING_WAIT_SECONDS = 20
# Renders a visitor waits for (frames with a person's name, which no cache holds) queued at once;
# beyond it 503 at once instead of a queue that slows every visitor.
RENDER_QUEUE = 16
# Per-client token buckets (requests a second, burst), in memory only (web/limits.RateLimit):
RATE_FRAMING = (1.0, 20)  # POST /api/v1/frame
RATE_PERSONAL_FRAMES = (2.0, 30)  # frames with a person's name (each one a new render)
RATE_KITS = (0.2, 12)  # POST /api/v1/kit and /api/v1/kit/jobs
# Connections: a request's headers must arrive within HEADER_TIMEOUT_SECONDS and its body within
# BODY_TIMEOUT_SECONDS (slow clients cannot hold sockets); idle keep-alive connections close after
# KEEP_ALIVE_SECONDS; at most MAX_CONNECTIONS are open at once (uvicorn answers 503 beyond it).
HEADER_TIMEOUT_SECONDS = 10
BODY_TIMEOUT_SECONDS = 60
KEEP_ALIVE_SECONDS = 5
MAX_CONNECTIONS = 512
