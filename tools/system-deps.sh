#!/usr/bin/env bash
# Install the Debian packages netral-assets needs, when apt is available and they are missing.
#   libharfbuzz-subset0  WeasyPrint subsets fonts with it (without it, PDFs are several times slower)
#   libpango-1.0-0       WeasyPrint's text layout
#   poppler-utils        pdftotext/pdftoppm, used by the tests to read PDFs back
#   chromium             (asked for by `make test`) the browser tests drive Debian's Chromium with Playwright
#   tesseract-ocr-ind    (asked for by `make test`) the phone-size legibility test reads posters with OCR
#   postgresql           (asked for by `make test`) the store and replica tests start a throwaway cluster
# Usage: tools/system-deps.sh [extra packages...]
set -euo pipefail
packages=(libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils fonts-dejavu-core "$@")
if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
  echo "system-deps: apt-get not found; install these yourself if missing: ${packages[*]}" >&2
  exit 0
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "system-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "system-deps: not root and no sudo; please install: ${missing[*]}" >&2; exit 0; fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
