#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets with clang (ASan + UBSan + libFuzzer) and runs
# each for a short smoke time (FUZZ_SECONDS, default 10).  Exit 77 (skipped)
# when clang or its fuzzer runtime is missing.
#   tests/fuzz/run.sh SRC_DIR BUILD_DIR
# Longer runs: FUZZ_SECONDS=600 tests/fuzz/run.sh . build-fuzz
set -euo pipefail
src=$(cd "$1" && pwd) out=$2
secs=${FUZZ_SECONDS:-10}
command -v clang >/dev/null || { echo "fuzz: no clang: skipped"; exit 77; }
mkdir -p "$out"
probe="$out/probe.c"
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n){(void)d;(void)n;return 0;}' > "$probe"
clang -fsanitize=fuzzer "$probe" -o "$out/probe" 2>/dev/null \
  || { echo "fuzz: clang has no libFuzzer runtime: skipped"; exit 77; }
lib=()
for f in "$src"/host/util/*.c "$src"/host/core/*.c "$src"/host/loader/*.c \
         "$src"/host/compose.c; do lib+=("$f"); done
flags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -D_POSIX_C_SOURCE=200809L -I"$src/sdk/include" -I"$src/host/util"
       -I"$src/host/core" -I"$src/host/loader"
       -DMMIO_LIBEXECDIR_REL='"../libexec/mmio"' -DMMIO_SYSCONFDIR_REL='"../etc/mmio"'
       -DMMIO_PLUGINDIR_REL='"mmio/plugins"' -DMMIO_STATEDIR_REL='"../var/lib/mmio"')
# The bundled plugins' readers and parsers, from their sources.
plugin_flags=(-I"$src/plugins/common" -I"$src/plugins/zip"
              -I"$src/plugins/sndfile")
zip_src=("$src"/plugins/zip/reader.c "$src"/plugins/zip/archive.c
         "$src"/plugins/common/zseek.c "$src"/plugins/common/tmpfile.c
         "$src"/plugins/common/procutil.c)
wave_src=("$src"/plugins/sndfile/writer.c "$src"/plugins/sndfile/wave.c
          "$src"/plugins/common/tmpfile.c)
status=0
for t in riff names config zip wave; do
  extra=()
  case $t in
    zip) pkg-config --exists libzip zlib || { echo "fuzz: zip: no libzip: skipped"; continue; }
         extra=("${plugin_flags[@]}" "${zip_src[@]}" $(pkg-config --cflags --libs libzip zlib)) ;;
    wave) pkg-config --exists sndfile || { echo "fuzz: wave: no libsndfile: skipped"; continue; }
          extra=("${plugin_flags[@]}" "${wave_src[@]}" $(pkg-config --cflags --libs sndfile)) ;;
  esac
  clang "${flags[@]}" "$src/tests/fuzz/fuzz_$t.c" "${lib[@]}" "${extra[@]}" \
    $(pkg-config --cflags --libs libffi) -lpthread -ldl -o "$out/fuzz_$t"
  mkdir -p "$out/corpus_$t"
  cp "$src"/tests/fuzz/seeds/$t/* "$out/corpus_$t/" 2>/dev/null || true
  echo "fuzz: $t for ${secs}s"
  if ! (cd "$out" && ASAN_OPTIONS=detect_leaks=0 MMIO_PLUGIN_PATH= \
        ./fuzz_$t -max_total_time="$secs" -max_len=4096 \
        -print_final_stats=0 corpus_$t > fuzz_$t.log 2>&1); then
    echo "fuzz: $t FAILED"; tail -40 "$out/fuzz_$t.log"; status=1
  else
    grep -E "DONE" "$out/fuzz_$t.log" | tail -1 || true
  fi
done
exit $status
