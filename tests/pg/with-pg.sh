#!/bin/sh
# Run a command with a throwaway PostgreSQL 15 server (Debian's postgresql
# package): initdb into a private folder, listen on a Unix socket in that
# folder only (no TCP port to collide with), export its URL as
# HOTPATH_TEST_PG, run the command, then stop the server and remove it all.
# PostgreSQL refuses to run as root: as root the server runs as 'postgres'.
# usage: tests/pg/with-pg.sh COMMAND [ARGS...]
# Without the postgresql package the command runs without HOTPATH_TEST_PG
# (its PostgreSQL tests then skip with a printed reason).
set -u
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
	echo "with-pg: postgresql is not installed (make deps installs it); running without PostgreSQL" >&2
	exec "$@"
fi
dir=$(mktemp -d /tmp/hp-pg.XXXXXX)
as_pg() { "$@"; }
if [ "$(id -u)" = 0 ]; then
	chown postgres "$dir"
	as_pg() { runuser -u postgres -- "$@"; }
fi
cleanup() {
	as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if ! as_pg "$bindir/initdb" -D "$dir/data" -A trust -U postgres >"$dir/initdb.log" 2>&1; then
	echo "with-pg: initdb failed:" >&2; cat "$dir/initdb.log" >&2; exit 1
fi
if ! as_pg "$bindir/pg_ctl" -D "$dir/data" -w -t 30 -o "-k $dir -c listen_addresses='' -c fsync=off" \
	-l "$dir/log" start >/dev/null; then
	echo "with-pg: the server did not start:" >&2; cat "$dir/log" >&2; exit 1
fi
HOTPATH_TEST_PG="postgresql:///postgres?host=$dir&user=postgres"
export HOTPATH_TEST_PG
"$@"
