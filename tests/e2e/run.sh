#!/bin/sh
# Run every end-to-end test tests/e2e/t-*.sh against a built hotpath.
# usage: tests/e2e/run.sh path/to/hotpath [t-name...]
# A test exits 0 (pass), 77 (skip: it prints the reason) or anything else (fail).
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
[ -x "$bin" ] || { echo "e2e: no hotpath binary at '$bin'" >&2; exit 2; }
if [ $# -gt 0 ]; then tests=$(for t in "$@"; do echo "$here/$t"; done); else tests=$(ls "$here"/t-*.sh); fi
pass=0 fail=0 skip=0 failed=""
for t in $tests; do
	name=$(basename "$t" .sh)
	log=$(mktemp)
	start=$(date +%s)
	HOTPATH="$bin" E2E_DIR="$here" sh "$t" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1)); echo "PASS $name (${secs}s)"
	elif [ $rc -eq 77 ]; then
		skip=$((skip + 1)); echo "SKIP $name: $(tail -n 1 "$log")"
	else
		fail=$((fail + 1)); failed="$failed $name"; echo "FAIL $name (exit $rc)"; sed 's/^/    /' "$log" | tail -n 40
	fi
	rm -f "$log"
done
echo "e2e: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] || { echo "failed:$failed"; exit 1; }
