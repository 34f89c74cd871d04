#!/bin/sh
# Install the Debian 12 packages hotpath needs to build, test and demo.
# As root: apt-get installs what is missing.  Otherwise: print the command.
set -eu
pkgs="gcc clang meson ninja-build pkg-config python3 perl
libxxhash-dev libjansson-dev libelf-dev libdw-dev zlib1g-dev libsqlite3-dev libpq-dev postgresql
libcriterion-dev libclang-rt-14-dev libxml2-utils chromium graphviz groff-base man-db"
missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "hotpath: installing missing Debian packages:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
else
	echo "hotpath: missing Debian packages:$missing" >&2
	echo "run:  sudo apt-get install -y$missing" >&2
	exit 1
fi
