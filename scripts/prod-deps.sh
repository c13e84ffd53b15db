#!/usr/bin/env bash
# System packages for the production-stack test (tests/deploy): nginx in front of gunicorn, openssl
# for the self-signed certificate. As root they are installed with apt-get; otherwise the missing ones
# are named and the script fails.
#
# The test runs nginx as its own child process with its own configuration under a temporary folder;
# the Debian service is never used. So that installing the package does not start it (and take port
# 80) on a CI machine, a temporary policy-rc.d forbids service starts during the installation unless
# the machine already has one (Docker images do).
set -euo pipefail

missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)

if [ "${#missing[@]}" = 0 ]; then
    echo "prod-deps: all present ($(/usr/sbin/nginx -v 2>&1))"
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "prod-deps: missing Debian packages: ${missing[*]}" >&2
    echo "prod-deps: install them with \`sudo apt-get install ${missing[*]}\`" >&2
    exit 1
fi

policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# written by scripts/prod-deps.sh while it installs packages\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
fi

echo "prod-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
[ -x /usr/sbin/nginx ] || { echo "prod-deps: /usr/sbin/nginx still missing after apt-get install" >&2; exit 1; }
echo "prod-deps: done ($(/usr/sbin/nginx -v 2>&1))"
