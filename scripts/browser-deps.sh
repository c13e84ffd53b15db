#!/usr/bin/env bash
# System packages for browser tests and PDF output, installed from Debian when missing:
#   chromium          driven by Playwright (tests launch /usr/bin/chromium; no browser download)
#   fonts-noto-cjk    Chinese glyphs in screenshots and PDFs
#   libpango*/harfbuzz  WeasyPrint's native libraries
# As root they are installed with apt-get; otherwise the missing ones are named and the script fails.
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
WEASYPRINT_LIBS=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libpangocairo-1.0-0)

installed() { dpkg -s "$1" >/dev/null 2>&1; }

missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
installed fonts-noto-cjk || missing+=(fonts-noto-cjk)
for pkg in "${WEASYPRINT_LIBS[@]}"; do
    installed "$pkg" || missing+=("$pkg")
done

if [ "${#missing[@]}" = 0 ]; then
    echo "browser-deps: all present ($("$CHROMIUM" --version 2>/dev/null || echo chromium))"
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "browser-deps: missing Debian packages: ${missing[*]}" >&2
    echo "browser-deps: install them with \`sudo apt-get install ${missing[*]}\`" >&2
    exit 1
fi

echo "browser-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
[ -x "$CHROMIUM" ] || { echo "browser-deps: $CHROMIUM still missing after apt-get install" >&2; exit 1; }
echo "browser-deps: done ($("$CHROMIUM" --version 2>/dev/null || echo chromium))"
