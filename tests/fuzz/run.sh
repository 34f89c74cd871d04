#!/bin/sh
# Run every built fuzz target over its seed corpus for a few seconds each.
# usage: tests/fuzz/run.sh BUILD_DIR SECONDS
set -eu
build=$1 secs=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
n=0 failed=0
for exe in "$build"/tests/fuzz/fuzz_*; do
	[ -f "$exe" ] && [ -x "$exe" ] || continue
	name=$(basename "$exe"); name=${name#fuzz_}
	corpus="$here/corpus/$name"
	work=$(mktemp -d)
	[ -d "$corpus" ] && cp -r "$corpus/." "$work/"
	echo "fuzz: $name for ${secs}s"
	if ! "$exe" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 \
		-artifact_prefix="$here/crash-$name-" "$work" >"$work.log" 2>&1; then
		echo "FAIL fuzz $name:"; tail -n 40 "$work.log"; failed=$((failed + 1))
	else
		grep -E '^Done|#[0-9]+.*DONE' "$work.log" | tail -n 1 || true
	fi
	rm -rf "$work" "$work.log"
	n=$((n + 1))
done
[ $n -gt 0 ] || { echo "fuzz: no targets built in '$build'"; exit 1; }
echo "fuzz: $((n - failed)) passed, $failed failed"
[ $failed -eq 0 ]
