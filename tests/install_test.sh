#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs libmmio into a scratch prefix, then builds against the installed
# SDK alone, as a third party would: the example plugin with CMake's
# find_package(mmio), a program with pkg-config; and uses the installed
# mmiohost with a config that names the plugin's directory.
set -euo pipefail
build=$1 src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
export LD_LIBRARY_PATH="$work/prefix/lib"
export XDG_CACHE_HOME="$work/cache" XDG_STATE_HOME="$work/state"
unset MMIO_PLUGIN_PATH MMIO_SCANNER MMIO_CONFIG

cmake -S "$src/sdk/examples/rot13" -B "$work/rot13" \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_C_FLAGS="${MMIO_TEST_CFLAGS:-}" \
  -DCMAKE_MODULE_LINKER_FLAGS="${MMIO_TEST_CFLAGS:-}" >/dev/null
cmake --build "$work/rot13" >/dev/null
mkdir -m 755 "$work/plugins"
cp "$work/rot13/rot13.so" "$work/plugins/"
printf '[host]\nplugin_dir = plugins\n' > "$work/plugins.conf"

cc ${MMIO_TEST_CFLAGS:-} "$src/tests/compat/read_name.c" $(pkg-config --cflags --libs mmio) -o "$work/prog"
printf 'Uryyb, jbeyq' > "$work/secret.txt"
out=$(MMIO_CONFIG="$work/plugins.conf" "$work/prog" "x.rot+$work/secret.txt")
[ "$out" = "Hello, world" ] || { echo "install test: got '$out'"; exit 1; }
"$work/prefix/bin/mmiohost" --config "$work/plugins.conf" list | grep -q "rot13 .*available" \
  || { echo "install test: mmiohost does not list rot13"; exit 1; }
# The SDK example passes every rule of the contract at the top level.
seq 1 5000 > "$work/plain.txt"
"$work/prefix/bin/mmiohost" --config "$work/plugins.conf" validate --level 10 \
  --sample "x.rot+$work/plain.txt" "$work/plugins/rot13.so" > "$work/validate.out" 2>&1 \
  || { echo "install test: rot13 fails validate:"; cat "$work/validate.out"; exit 1; }
echo "install test: rot13 validate: $(tail -1 "$work/validate.out")"
"$work/prefix/bin/mmiohost" --config "$work/plugins.conf" list | grep -q "^zip " \
  || { echo "install test: the bundled zip plugin is not on the installed path"; exit 1; }
test -f "$work/prefix/etc/mmio/plugins.conf"

# Every exported symbol carries the MMIO_1.0 version, and nothing but the
# API (names starting with mmio) is exported.
lib=$(find "$work/prefix" -name libmmio.so.1)
syms=$(objdump -T "$lib" | grep -v -e '[*]UND[*]' -e '[*]ABS[*]' | grep -E ' D[FO] ' | awk '{print $NF, $(NF-1)}')
[ -n "$syms" ] || { echo "install test: no exported symbols"; exit 1; }
if echo "$syms" | grep -v "^mmio" | grep -q .; then
  echo "install test: exported beyond the API: $(echo "$syms" | grep -v '^mmio')"; exit 1
fi
if echo "$syms" | grep -v "MMIO_1.0" | grep -q .; then
  echo "install test: symbols without the MMIO_1.0 version"; exit 1
fi

# A client built with an rpath only (no LD_LIBRARY_PATH) uses the bundled
# zip plugin through the installed configuration: the checker must find
# the client's libmmio by itself.
if [ -f "$work/prefix/lib/mmio/plugins/zip.so" ]; then
  cc ${MMIO_TEST_CFLAGS:-} "$src/tests/compat/read_name.c" $(pkg-config --cflags --libs mmio) \
    -Wl,-rpath,"$work/prefix/lib" -o "$work/prog-rpath"
  python3 - "$work/a.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("m.txt", "inside the zip")
PY
  out=$(env -u LD_LIBRARY_PATH XDG_CACHE_HOME="$work/cache2" \
        "$work/prog-rpath" "$work/a.zip+m.txt") \
    || { echo "install test: rpath client cannot open a zip member"; exit 1; }
  [ "$out" = "inside the zip" ] \
    || { echo "install test: rpath client read '$out'"; exit 1; }
fi
echo "install test: ok"
