#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every public header compiles without a warning as C89 -pedantic, C99 and
# C11 (-Wall -Wextra -Wconversion), and as C++98 to C++20, with gcc/g++ and
# clang/clang++ where present; each also with -fshort-wchar and UNICODE.
set -u
inc=$1 src=$(dirname "$0")/all_headers.c
fails=0 runs=0
try() { # compiler, flags...
  local cc=$1; shift
  command -v "$cc" >/dev/null || return 0
  runs=$((runs + 1))
  if ! out=$("$cc" "$@" -I"$inc" -Wall -Wextra -Werror -fsyntax-only 2>&1); then
    echo "headers: FAILED: $cc $*"; echo "$out" | head -20; fails=$((fails + 1))
  fi
}
for cc in gcc clang; do
  for std in c89 c99 c11; do
    for extra in "" "-DUNICODE" "-fshort-wchar"; do
      try "$cc" -x c -std=$std -pedantic -Wconversion $extra "$src"
    done
  done
done
for cxx in g++ clang++; do
  for std in c++98 c++03 c++11 c++14 c++17 c++20; do
    for extra in "" "-DUNICODE" "-fshort-wchar"; do
      try "$cxx" -x c++ -std=$std -pedantic $extra "$src"
    done
  done
done
echo "headers: $runs compilations, $fails failed"
[ "$fails" -eq 0 ] && [ "$runs" -gt 0 ]
