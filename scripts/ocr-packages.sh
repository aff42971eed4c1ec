#!/bin/sh
# The Debian packages for OCR: tesseract and one tesseract-ocr-<code> per language listed in
# scripts/ocr-languages (or the file given), one package a line. Used by scripts/bootstrap.sh and
# the Dockerfile, so both install the same languages.
set -eu
list="${1:-$(dirname "$0")/ocr-languages}"
echo tesseract-ocr
sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list" | grep -v '^$' | sed 's/^/tesseract-ocr-/'
