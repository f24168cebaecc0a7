#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# An HTTP server for the remote-storage tests: nginx with its WebDAV module
# (ranges, PUT, DELETE, MKCOL, COPY, MOVE, a redirect) on 127.0.0.1, on a
# free port, serving DIR/root, with every file it needs under DIR.
#
#   tests/servers/http.sh start DIR    prints endpoint=http://127.0.0.1:PORT,
#                                      tls_endpoint=https://127.0.0.1:PORT2
#                                      and cafile=DIR/cert.pem (its
#                                      self-signed certificate)
#   tests/servers/http.sh stop DIR
#
# DIR/access.log counts the requests (one line each); /redirect/NAME
# answers 302 to /NAME, /loop/NAME to itself (forever); /private/ is 403.
set -euo pipefail
cmd=${1:-} dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
command -v nginx >/dev/null || { echo "http.sh: nginx is not installed" >&2; exit 77; }
dir=$(cd "$dir" && pwd)

case $cmd in
start)
  mkdir -p "$dir/root" "$dir/tmp"
  free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
  }
  port=$(free_port)
  tls_port=$(free_port)
  if command -v openssl >/dev/null; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
      -addext subjectAltName=IP:127.0.0.1 -keyout "$dir/key.pem" -out "$dir/cert.pem" \
      >/dev/null 2>&1
  fi
  cat > "$dir/nginx.conf" <<CONF
daemon on;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
worker_processes 1;
user $(id -un) $(id -gn);
events { worker_connections 256; }
http {
  access_log $dir/access.log;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  client_max_body_size 0;
  server {
    listen 127.0.0.1:$port;
    $( [ -f "$dir/cert.pem" ] && echo "listen 127.0.0.1:$tls_port ssl; ssl_certificate $dir/cert.pem; ssl_certificate_key $dir/key.pem;" )
    root $dir/root;
    location /private/ { deny all; }
    location /redirect/ { rewrite ^/redirect/(.*)\$ /\$1 redirect; }
    location /loop/ { rewrite ^/loop/(.*)\$ /loop/\$1 redirect; }
    location / {
      dav_methods PUT DELETE MKCOL COPY MOVE;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
    }
  }
}
CONF
  nginx -c "$dir/nginx.conf" -p "$dir" -e "$dir/error.log"
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.05
  done
  echo "endpoint=http://127.0.0.1:$port"
  if [ -f "$dir/cert.pem" ]; then
    echo "tls_endpoint=https://127.0.0.1:$tls_port"
    echo "cafile=$dir/cert.pem"
  fi
  ;;
stop)
  if [ -f "$dir/nginx.pid" ]; then
    nginx -c "$dir/nginx.conf" -p "$dir" -e "$dir/error.log" -s stop || true
    for _ in $(seq 1 100); do [ -f "$dir/nginx.pid" ] || break; sleep 0.05; done
  fi
  ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
