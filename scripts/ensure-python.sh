#!/usr/bin/env bash
# Make sure python3 (3.11 or newer) with venv and pip is present; on Debian install it when missing.
set -euo pipefail

if python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "Kokeilu needs Python 3.11+ with the venv module; install it and run make again." >&2
  exit 1
fi
echo "Installing Python 3 with venv from Debian packages..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv python3-pip >/dev/null
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "Python 3.11 or newer is required (found $(python3 --version))." >&2; exit 1; }
