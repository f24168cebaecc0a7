#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs from several prefixes and uses each installed tree with a clean
# environment: mmiohost list (the shipped plugins.conf is the one read, its
# path canonical), a zip job through the bundled plugin, and a client built
# with an rpath only.  /usr and /opt/NAME are configured for and staged with
# DESTDIR (their configuration lives outside the prefix); /usr/local and a
# ~/.local are installed from the main build with --prefix.
#   prefix_test.sh BUILD_DIR SRC_DIR
set -euo pipefail
build=$1 src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home"
printf 'Hello from a zip member' > "$work/in.txt"
clean() { env -i HOME="$work/home" PATH=/usr/bin:/bin "$@"; }

# check ROOT PREFIX CONFDIR: the installed tree at ROOT (staging or not)
check() {
  local root=$1 prefix=$2 confdir=$3 label=$4
  local host="$root$prefix/bin/mmiohost"
  local libdir
  libdir=$(dirname "$(find "$root$prefix" -name 'libmmio.so.1' | head -1)")
  [ -x "$host" ] || { echo "prefix test ($label): no mmiohost"; exit 1; }
  [ -f "$root$confdir/plugins.conf" ] \
    || { echo "prefix test ($label): plugins.conf not at $confdir"; exit 1; }
  # the shipped file is the one read: a key it does not know is reported
  # with its canonical path
  printf '\nprobe_key = 1\n' >> "$root$confdir/plugins.conf"
  out=$(clean "$host" list 2>&1) || { echo "prefix test ($label): list failed: $out"; exit 1; }
  want=$(cd "$root$confdir" && pwd -P)/plugins.conf
  echo "$out" | grep -qF "$want:" \
    || { echo "prefix test ($label): $want not read: $out"; exit 1; }
  echo "$out" | grep -q "^zip .*available" \
    || { echo "prefix test ($label): zip not available: $out"; exit 1; }
  rm -f "$work/a.zip"
  clean "$host" cp "$work/in.txt" "$work/a.zip+m.txt" >/dev/null 2>&1 \
    || { echo "prefix test ($label): zip write failed"; exit 1; }
  got=$(clean "$host" cat "$work/a.zip+m.txt" 2>/dev/null)
  [ "$got" = "Hello from a zip member" ] \
    || { echo "prefix test ($label): zip read gave '$got'"; exit 1; }
  cc ${MMIO_TEST_CFLAGS:-} "$src/tests/compat/read_name.c" -I"$root$prefix/include/mmio" -L"$libdir" -lmmio \
    -Wl,-rpath,"$libdir" -o "$work/prog-$label"
  got=$(clean "$work/prog-$label" "$work/a.zip+m.txt")
  [ "$got" = "Hello from a zip member" ] \
    || { echo "prefix test ($label): rpath client read '$got'"; exit 1; }
  echo "prefix test ($label): ok"
}

# the main build, installed where its relative layout holds
cmake --install "$build" --prefix "$work/usr-local" >/dev/null
check "" "$work/usr-local" "$work/usr-local/etc/mmio" usr-local
cmake --install "$build" --prefix "$work/home/.local" >/dev/null
check "" "$work/home/.local" "$work/home/.local/etc/mmio" home-local

# prefixes whose configuration lives outside them: their own builds
for spec in /usr:/etc/mmio /opt/mmio:/etc/opt/mmio/mmio; do
  prefix=${spec%%:*} confdir=${spec#*:}
  b="$work/build${prefix//\//-}"
  cmake -S "$src" -B "$b" -DCMAKE_INSTALL_PREFIX="$prefix" -DBUILD_TESTING=OFF \
    -DMMIO_BUILD_BENCH=OFF >/dev/null
  cmake --build "$b" -j2 >/dev/null
  DESTDIR="$work/stage${prefix//\//-}" cmake --install "$b" >/dev/null
  check "$work/stage${prefix//\//-}" "$prefix" "$confdir" "${prefix//\//-}"
done
echo "prefix test: ok"
