#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the Debian packages (`cpack -G DEB` from a /usr configuration) and
# checks them: Debian's split, dependencies, contents, and lintian reports
# no errors (when lintian is installed).
#   deb_test.sh SRC_DIR
set -euo pipefail
src=$1
command -v dpkg-deb >/dev/null || { echo "deb test: no dpkg-deb: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake -S "$src" -B "$work/b" -DCMAKE_INSTALL_PREFIX=/usr -DBUILD_TESTING=OFF \
  -DMMIO_BUILD_BENCH=OFF >/dev/null
cmake --build "$work/b" -j2 >/dev/null
(cd "$work/b" && cpack -G DEB >/dev/null)
fail() { echo "deb test: $*"; exit 1; }
for p in libmmio1 libmmio-dev mmio-tools; do
  ls "$work/b/${p}_"*.deb >/dev/null 2>&1 || fail "no $p package"
done
contents() { dpkg-deb -c "$work/b/$1_"*.deb | awk '{print $6}'; }
has() { contents "$1" | grep -x "\./$2" >/dev/null || fail "$1 lacks $2"; }
lacks() { if contents "$1" | grep "$2" >/dev/null; then fail "$1 has $2"; fi; }
multi=$(sed -n "s/^CMAKE_INSTALL_LIBDIR:PATH=//p" "$work/b/CMakeCache.txt")
has libmmio1 "usr/$multi/libmmio.so.1.0.0"
lacks libmmio1 "include/"
has libmmio-dev "usr/include/mmio/mmsystem.h"
has libmmio-dev "usr/include/mmio/mmreg.h"
has libmmio-dev "usr/$multi/pkgconfig/mmio.pc"
has libmmio-dev "usr/share/man/man3/libmmio.3.gz"
has libmmio-dev "usr/share/man/man3/mmioOpen.3.gz"
has libmmio-dev "usr/share/man/man3/mmioOpenW.3.gz"
has libmmio-dev "usr/share/man/man3/mmioPluginInstall.3.gz"
lacks libmmio-dev "usr/include/mmsystem.h"
has mmio-tools "usr/bin/mmiohost"
has mmio-tools "usr/libexec/mmio/mmio-scan"
has mmio-tools "usr/$multi/mmio/plugins/zip.so"
has mmio-tools "usr/$multi/mmio/plugins/gz.so"
tools_deps=$(dpkg-deb -f "$work/b/mmio-tools_"*.deb Depends)
echo "$tools_deps" | grep -q "libzip" || fail "mmio-tools does not depend on libzip"
if pkg-config --exists sndfile; then
  has mmio-tools "usr/$multi/mmio/plugins/sndfile.so"
  echo "$tools_deps" | grep -q "libsndfile1" \
    || fail "mmio-tools does not depend on libsndfile1"
fi
has mmio-tools "etc/mmio/plugins.conf"
has mmio-tools "usr/share/man/man1/mmiohost.1.gz"
has mmio-tools "usr/share/man/man5/plugins.conf.5.gz"
has mmio-tools "usr/share/bash-completion/completions/mmiohost"
for p in libmmio1 libmmio-dev mmio-tools; do
  has $p "usr/share/doc/$p/copyright"
done
dpkg-deb -f "$work/b/libmmio1_"*.deb Depends | grep -q "libffi" \
  || fail "libmmio1 does not depend on libffi"
dpkg-deb -f "$work/b/mmio-tools_"*.deb Depends | grep -q "libmmio1 (= " \
  || fail "mmio-tools does not depend on libmmio1"
dpkg-deb -f "$work/b/libmmio-dev_"*.deb Depends | grep -q "libmmio1 (= " \
  || fail "libmmio-dev does not depend on libmmio1"
ctrl=$(dpkg-deb --ctrl-tarfile "$work/b/libmmio1_"*.deb | tar -t)
echo "$ctrl" | grep -q shlibs || fail "libmmio1 has no shlibs file"
if command -v lintian >/dev/null; then
  out=$(lintian --tag-display-limit 0 "$work/b/"*.deb 2>&1 || true)
  if echo "$out" | grep -q "^E:"; then
    echo "$out"; fail "lintian reports errors"
  fi
  echo "deb test: lintian: no errors"
fi
echo "deb test: ok"
