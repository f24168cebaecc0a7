#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages libmmio needs to build and test, when missing.
set -euo pipefail
pkgs=(gcc g++ make cmake pkg-config check libsubunit-dev libffi-dev libzip-dev zlib1g-dev libsndfile1-dev libcurl4-openssl-dev
      gzip scdoc sox libsox-fmt-base flac zip unzip python3 nginx-light curl
      openssl ceph-mon ceph-osd radosgw ceph-common
      clang clang-format clang-tidy libclang-rt-14-dev dpkg-dev fakeroot lintian)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
