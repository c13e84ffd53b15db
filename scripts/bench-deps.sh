#!/usr/bin/env bash
# The API benchmark's load generator: wrk (Debian package). As root it is installed with apt-get; otherwise
# the benchmark says so and falls back to Python threads (whose own CPU use inflates the latencies).
set -euo pipefail

if command -v wrk >/dev/null 2>&1; then
    echo "bench-deps: wrk present"
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "bench-deps: wrk missing; install it with \`sudo apt-get install wrk\` (the API bench falls back to Python threads)" >&2
    exit 0
fi
echo "bench-deps: installing wrk"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends wrk >/dev/null 2>&1 || {
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends wrk >/dev/null
}
echo "bench-deps: done ($(command -v wrk))"
