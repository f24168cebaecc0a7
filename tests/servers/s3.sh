#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# An S3 server for the remote-storage tests: Ceph's RADOS Gateway on a
# single-node cluster (one monitor, one OSD on memstore, cephx keys), all of
# it on 127.0.0.1 on free ports, every file under DIR, nothing from /etc.
# It checks Signature V4: a wrong secret or an anonymous request is 403.
#
#   tests/servers/s3.sh start DIR   prints endpoint=, access_key=,
#                                   secret_key=, bucket=, region=
#   tests/servers/s3.sh stop DIR
#
# Start-up takes about 15 s and about 150 MiB of memory; objects live in
# memory (memstore, S3_MEMSTORE_BYTES, 4 GiB by default: a full cluster
# makes writes wait, not fail), and what is replaced or deleted is freed
# within seconds (the gateway's garbage collection, hours by default).
# DIR/log/client.rgw.log has one "beast:" line per request.
set -euo pipefail
cmd=${1:-} dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
for t in ceph-mon ceph-osd radosgw radosgw-admin ceph-authtool monmaptool ceph curl python3; do
  command -v "$t" >/dev/null || { echo "s3.sh: $t is not installed" >&2; exit 77; }
done
dir=$(cd "$dir" && pwd)
conf=$dir/ceph.conf
ceph_() { timeout 30 ceph -c "$conf" "$@"; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop_all() {
  for p in "$dir"/run/*.pid; do
    [ -f "$p" ] || continue
    pid=$(cat "$p")
    kill "$pid" 2>/dev/null || true
  done
  for p in "$dir"/run/*.pid; do
    [ -f "$p" ] || continue
    pid=$(cat "$p")
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$p"
  done
}

fail() {
  echo "s3.sh: $*" >&2
  tail -n 20 "$dir"/log/*.log >&2 2>/dev/null || true
  stop_all
  exit 1
}

case $cmd in
start)
  mkdir -p "$dir/run" "$dir/log" "$dir/mon" "$dir/osd" "$dir/rgw"
  mon_port=$(free_port)
  rgw_port=$(free_port)
  fsid=$(python3 -c 'import uuid; print(uuid.uuid4())')
  access=MMIOTEST$(python3 -c 'import secrets; print(secrets.token_hex(6).upper())')
  secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(30))')
  bucket=mmio-test
  cat > "$conf" <<CONF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
mon initial members = a
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $dir/admin.keyring
run dir = $dir/run
admin socket = $dir/run/\$name.asok
pid file = $dir/run/\$name.pid
log file = $dir/log/\$name.log
log to stderr = false
err to stderr = false
crash dir = $dir/log
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
ms bind ipv6 = false
public addr = 127.0.0.1
[mon.a]
mon data = $dir/mon
[osd.0]
osd data = $dir/osd
osd objectstore = memstore
memstore device bytes = ${S3_MEMSTORE_BYTES:-4294967296}
keyring = $dir/osd/keyring
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port tcp_nodelay=1
rgw data = $dir/rgw
keyring = $dir/rgw.keyring
rgw dns name = localhost
rgw gc obj min wait = 1
rgw gc processor period = 5
rgw enable usage log = false
debug rgw = 1
CONF
  ceph-authtool --create-keyring "$dir/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool --create-keyring "$dir/admin.keyring" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
  ceph-authtool "$dir/mon.keyring" --import-keyring "$dir/admin.keyring" >/dev/null
  monmaptool --create --addv a "[v2:127.0.0.1:$mon_port]" --fsid "$fsid" "$dir/monmap" >/dev/null
  ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/mon.keyring" ||
    fail "the monitor's store could not be made"
  ceph-mon -c "$conf" -i a || fail "the monitor did not start"
  ceph_ osd create >/dev/null || fail "the monitor does not answer"
  ceph-osd -c "$conf" -i 0 --mkfs --mkkey --no-mon-config >"$dir/log/osd-mkfs.log" 2>&1 || fail "the OSD could not be made"
  ceph_ auth add osd.0 osd 'allow *' mon 'allow profile osd' -i "$dir/osd/keyring" >/dev/null 2>&1 ||
    fail "the OSD's key was refused"
  ceph-osd -c "$conf" -i 0 || fail "the OSD did not start"
  ceph_ auth get-or-create client.rgw mon 'allow rw' osd 'allow rwx' -o "$dir/rgw.keyring" >/dev/null 2>&1 ||
    fail "the gateway's key was refused"
  radosgw -c "$conf" -n client.rgw || fail "the gateway did not start"
  up=""
  for _ in $(seq 1 600); do
    if curl -s -o /dev/null "http://127.0.0.1:$rgw_port/"; then up=1; break; fi
    sleep 0.1
  done
  [ -n "$up" ] || fail "the gateway does not answer on port $rgw_port"
  timeout 60 radosgw-admin -c "$conf" user create --uid=mmio --display-name=mmio \
    --access-key="$access" --secret="$secret" >/dev/null 2>&1 || fail "no S3 user"
  code=""
  for _ in $(seq 1 50); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --user "$access:$secret" \
      --aws-sigv4 "aws:amz:us-east-1:s3" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
      "http://127.0.0.1:$rgw_port/$bucket")
    [ "$code" = 200 ] && break
    sleep 0.2
  done
  [ "$code" = 200 ] || fail "the bucket could not be made (HTTP $code)"
  {
    echo "endpoint=http://127.0.0.1:$rgw_port"
    echo "access_key=$access"
    echo "secret_key=$secret"
    echo "bucket=$bucket"
    echo "region=us-east-1"
  } | tee "$dir/s3.env"
  ;;
stop)
  stop_all
  ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
