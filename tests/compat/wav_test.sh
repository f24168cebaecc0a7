#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Windows-style WAV code (wavcopy.c) built against the installed SDK as C89,
# C11, C++ and UNICODE C++ with -Wall -Wextra -Werror, run on a WAV that sox
# made; sox reads each copy back, sample for sample.
#   wav_test.sh BUILD_DIR SRC_DIR
set -euo pipefail
build=$1 src=$2
command -v sox >/dev/null || { echo "wav test: no sox: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
cflags=$(pkg-config --cflags mmio) libs=$(pkg-config --libs mmio)
sox -n -r 22050 -c 2 -b 16 "$work/in.wav" synth 0.5 sine 440 sine 660
sox "$work/in.wav" -t raw "$work/in.raw"
variants=("cc -x c -std=c89 -pedantic" "cc -x c -std=c11"
          "c++ -x c++ -std=c++11" "c++ -x c++ -std=c++17 -DUNICODE")
for v in "${variants[@]}"; do
  read -r -a cmd <<<"$v"
  exe="$work/wavcopy-$(echo "$v" | tr -c 'a-zA-Z0-9' _)"
  "${cmd[@]}" ${MMIO_TEST_CFLAGS:-} -Wall -Wextra -Werror $cflags "$src/tests/compat/wavcopy.c" \
    -x none $libs -Wl,-rpath,"$work/prefix/lib" -o "$exe"
  rm -f "$work/out.wav"
  "$exe" "$work/in.wav" "$work/out.wav"
  sox "$work/out.wav" -t raw "$work/out.raw"
  cmp "$work/in.raw" "$work/out.raw" || { echo "wav test: $v: samples differ"; exit 1; }
  [ "$(soxi -r "$work/out.wav")" = 22050 ] && [ "$(soxi -c "$work/out.wav")" = 2 ] \
    || { echo "wav test: $v: format differs"; exit 1; }
  echo "wav test: $v: ok"
done
