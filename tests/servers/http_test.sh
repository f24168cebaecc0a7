#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The HTTP test server does what the remote-storage tests need: ranges
# (a suffix and an open one too), PUT, MOVE, DELETE, a redirect, 404, one
# access-log line per request; and it stops.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v nginx >/dev/null && command -v curl >/dev/null ||
  { echo "http server test: no nginx or curl: skipped"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/mmio-http.XXXXXX")
trap '"$here/http.sh" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
fail() { echo "http server test: $*"; cat "$dir/error.log" 2>/dev/null; exit 1; }
ep=$("$here/http.sh" start "$dir" | sed -n 's/^endpoint=//p')
[ -n "$ep" ] || fail "no endpoint"
seq 1 1000 > "$dir/root/f.txt"
[ "$(curl -s -r 10-19 "$ep/f.txt")" = "$(head -c 20 "$dir/root/f.txt" | tail -c 10)" ] || fail "range"
[ "$(curl -s -r -5 "$ep/f.txt")" = "$(tail -c 5 "$dir/root/f.txt")" ] || fail "suffix range"
[ "$(curl -s -o /dev/null -w '%{http_code}' -r 10- "$ep/f.txt")" = 206 ] || fail "open range"
[ "$(curl -s -o /dev/null -w '%{http_code}' -T "$dir/root/f.txt" "$ep/d/up.txt")" = 201 ] || fail "PUT"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X MOVE -H "Destination: $ep/d/moved.txt" "$ep/d/up.txt")" = 204 ] || fail "MOVE"
cmp -s "$dir/root/d/moved.txt" "$dir/root/f.txt" || fail "what was PUT and moved"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$ep/d/moved.txt")" = 204 ] || fail "DELETE"
[ "$(curl -s -L "$ep/redirect/f.txt" | head -1)" = 1 ] || fail "redirect"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$ep/nope")" = 404 ] || fail "404"
lines=$(wc -l < "$dir/access.log")
[ "$lines" -ge 9 ] || fail "access log has $lines lines"
"$here/http.sh" stop "$dir"
! curl -s -o /dev/null --max-time 2 "$ep/f.txt" || fail "still answering after stop"
echo "http server test: ok ($lines requests logged)"
