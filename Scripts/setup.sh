#!/usr/bin/env bash
# Installs what edgec's tests need beyond Swift: flatc (Debian's flatbuffers-compiler),
# which the FlatBuffers tests use as an independent decoder of what edgec writes, and headless
# Chromium (Debian's chromium), which Scripts/check_report_browser.py loads `edgec report` pages in,
# and the DejaVu fonts (fonts-dejavu-core) Benchmarks/quantization.py renders its OCR text lines with.
set -euo pipefail
need=()
command -v flatc >/dev/null 2>&1 || need+=(flatbuffers-compiler)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
