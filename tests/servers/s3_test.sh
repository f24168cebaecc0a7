#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The S3 test server (tests/servers/s3.sh, Ceph RGW) does what the
# remote-storage tests need and refuses what a real S3 refuses: a wrong
# secret, an anonymous request and a forged signature are 403; ranges
# (suffix, open, past the end 416), If-Match (412), multipart create,
# abort and complete, DELETE; and it stops.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/mmio-s3.XXXXXX")
trap '"$here/s3.sh" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
fail() { echo "s3 server test: $*"; tail -n 5 "$dir"/log/client.rgw.log 2>/dev/null; exit 1; }
start=$SECONDS
out=$("$here/s3.sh" start "$dir") || { rc=$?; [ $rc = 77 ] && { echo "s3 server test: no Ceph here: skipped"; exit 77; }; fail "did not start"; }
up=$((SECONDS - start))
val() { sed -n "s/^$1=//p" <<<"$out"; }
ep=$(val endpoint) ak=$(val access_key) sk=$(val secret_key) b=$(val bucket)
[ -n "$ep" ] && [ -n "$ak" ] && [ -n "$sk" ] && [ -n "$b" ] || fail "incomplete output: $out"
s3() { curl -s --user "$ak:$sk" --aws-sigv4 "aws:amz:us-east-1:s3" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$@"; }
code() { s3 -o /dev/null -w '%{http_code}' "$@"; }
seq 1 1000 > "$dir/f.txt"
[ "$(code -T "$dir/f.txt" "$ep/$b/f.txt")" = 200 ] || fail "PUT"
[ "$(s3 -r 10-19 "$ep/$b/f.txt")" = "$(head -c 20 "$dir/f.txt" | tail -c 10)" ] || fail "range"
[ "$(s3 -r -5 "$ep/$b/f.txt")" = "$(tail -c 5 "$dir/f.txt")" ] || fail "suffix range"
[ "$(code -r 100000- "$ep/$b/f.txt")" = 416 ] || fail "a range past the end"
[ "$(code -H 'If-Match: "nope"' "$ep/$b/f.txt")" = 412 ] || fail "If-Match"
[ "$(curl -s -o /dev/null -w '%{http_code}' --user "$ak:wrong" --aws-sigv4 aws:amz:us-east-1:s3 \
     -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$ep/$b/f.txt")" = 403 ] || fail "a wrong secret was accepted"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$ep/$b/f.txt")" = 403 ] || fail "an anonymous GET was accepted"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: AWS4-HMAC-SHA256 Credential=$ak/20261207/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0000000000000000000000000000000000000000000000000000000000000000" \
     -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -H 'x-amz-date: 20261207T000000Z' "$ep/$b/f.txt")" = 403 ] ||
  fail "a forged signature was accepted"
id=$(s3 -X POST "$ep/$b/mp.bin?uploads=" | sed -n 's:.*<UploadId>\(.*\)</UploadId>.*:\1:p')
[ -n "$id" ] || fail "multipart create"
[ "$(code -X DELETE "$ep/$b/mp.bin?uploadId=$id")" = 204 ] || fail "multipart abort"
[ "$(code "$ep/$b/mp.bin")" = 404 ] || fail "an aborted upload left an object"
[ "$(code -X DELETE "$ep/$b/f.txt")" = 204 ] || fail "DELETE"
[ "$(code "$ep/$b/f.txt")" = 404 ] || fail "a deleted object is still there"
requests=$(grep -c ' beast: ' "$dir/log/client.rgw.log")
"$here/s3.sh" stop "$dir"
! curl -s -o /dev/null --max-time 2 "$ep/" || fail "still answering after stop"
echo "s3 server test: ok (started in $up s, $requests requests logged)"
