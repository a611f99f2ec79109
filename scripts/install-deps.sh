#!/usr/bin/env bash
# Installs the system libraries chatctl links against, when missing (Debian/Ubuntu; needs root or sudo).
set -euo pipefail
packages=(libmongoc-dev libbson-dev libssl-dev libreadline-dev libsqlite3-dev pkg-config)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}" >/dev/null
