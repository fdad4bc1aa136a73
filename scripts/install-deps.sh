#!/usr/bin/env bash
# Installs the system packages Trawl builds against when they are missing (Debian/Ubuntu):
# pkg-config, ICU, libxml2, zlib, Poppler's GLib API (PDF: loaded at run time, so the build works without it) libstemmer (Snowball) and CLD2 (language detection) development files, and zstd (the shared corpora are
# zstd-compressed). Run by scripts/demo.sh, scripts/test.sh and CI; does nothing when all are
# present. Needs root (or sudo) only when something is missing. Extra arguments COMMAND=PACKAGE
# add tools a step needs (`bash scripts/install-deps.sh man=man-db groff=groff-base`).
set -euo pipefail
missing=()
for wanted in "$@"; do
  command -v "${wanted%%=*}" >/dev/null 2>&1 || missing+=("${wanted#*=}")
done
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if command -v pkg-config >/dev/null 2>&1; then
  pkg-config --exists icu-uc || missing+=(libicu-dev)
  pkg-config --exists libxml-2.0 || missing+=(libxml2-dev)
  pkg-config --exists zlib || missing+=(zlib1g-dev)
  pkg-config --exists poppler-glib || missing+=(libpoppler-glib-dev)
else
  missing+=(libicu-dev libxml2-dev zlib1g-dev libpoppler-glib-dev)
fi
[ -f /usr/include/libstemmer.h ] || missing+=(libstemmer-dev)
[ -f /usr/include/cld2/public/compact_lang_det.h ] || missing+=(libcld2-dev)
command -v zstd >/dev/null 2>&1 || missing+=(zstd)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing system packages: ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install them first: apt-get install ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq "${missing[@]}"
