#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every function libmmio exports, and what a plugin exports, has a manual
# page (a page or a link to its sibling's), and every page renders without
# a warning.
#   manpages.sh BUILD_DIR
set -euo pipefail
build=$1
dir="$build/man/man3"
[ -d "$dir" ] || { echo "manpages: no $dir (scdoc missing?)"; exit 77; }
lib=$(find "$build/host" -maxdepth 1 -name 'libmmio.so.1' | head -1)
syms=$(nm -D --defined-only "$lib" | awk '$2 == "T" {print $3}' | sed 's/@.*//' | sort -u)
missing=0
for s in $syms mmioPluginInstall mmioPluginRemove mmioPluginInfo; do
  if [ ! -e "$dir/$s.3.gz" ]; then
    echo "manpages: no page for $s"; missing=1
  fi
done
[ "$missing" -eq 0 ] || exit 1
n=0
for page in "$dir"/*.3.gz; do
  [ -L "$page" ] && continue
  warn=$(zcat "$page" | groff -ww -man -Tutf8 -z 2>&1 || true)
  if [ -n "$warn" ]; then
    echo "manpages: $(basename "$page"): $warn"; missing=1
  fi
  n=$((n + 1))
done
[ "$missing" -eq 0 ] || exit 1
echo "manpages: $(echo "$syms" | wc -l) exported functions, $n pages, all render"
