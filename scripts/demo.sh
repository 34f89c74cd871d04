#!/bin/sh
# `make demo`: profile the bundled back-testing example (examples/backtest)
# with `hotpath run --scenario daily` into profiles/, then show where the
# flame graph and summaries are and the five hottest functions.
# Without permission to read another process's memory (process_vm_readv:
# containers without CAP_SYS_PTRACE), it falls back to cProfile, and without
# python3 to rendering the bundled folded example; each time with a note.
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
ex="$root/examples/backtest"
out="$root/profiles"
mkdir -p "$out"
[ -f "$out/.gitignore" ] || printf '*\n' >"$out/.gitignore"

rendered_example() {
	in="$root/examples/profiles/example.folded"
	"$bin" flame "$in" -o "$out/example.svg" --title "hotpath demo: order book example"
	cp "$in" "$out/example.folded"
	echo "flame graph:  $out/example.svg   (open it in a browser: hover, click to zoom, Ctrl-F to search)"
	echo "folded:       $out/example.folded"
	echo
	echo "five hottest functions (self time):"
	"$bin" top "$in" -n 5
}

if ! command -v python3 >/dev/null 2>&1; then
	echo "note: no python3 on PATH, so the demo renders the bundled example profile instead"
	rendered_example
	exit 0
fi

cd "$ex"
echo "hotpath demo: profiling examples/backtest (scenario 'daily' of examples/backtest/hotpath.toml)"
echo
if "$bin" run --scenario daily --profiler sampling,memory -o "$out" 2>"$out/demo.err"; then
	rm -f "$out/demo.err"
	echo
	echo "flame graph:  $out/daily.svg   (open it in a browser: hover, click to zoom, Ctrl-F to search)"
	echo "run summary:  $out/daily.json  (duration, samples, CPU time, peak RSS)"
	echo "memory:       $out/daily_memory.txt  (peak RSS and RSS over time)"
	echo "stacks:       $out/daily.folded"
	echo
	echo "five hottest functions (self time):"
	"$bin" top "$out/daily.folded" -n 5
	echo
	echo "next: '$bin run --scenario daily --profiler cprofile -o $out' adds the cProfile"
	echo "      view (daily_cprofile_summary.txt); see docs/guide.md and docs/checklist.md"
	exit 0
fi
cat "$out/demo.err" >&2
if grep -q 'permission denied' "$out/demo.err"; then
	echo
	echo "note: this machine does not let hotpath read another process's memory"
	echo "      (process_vm_readv; in a container add --cap-add SYS_PTRACE), so the demo"
	echo "      uses cProfile instead of the sampler"
	echo
	if "$bin" run --scenario daily --profiler cprofile -o "$out"; then
		echo
		echo "cProfile:     $out/daily_cprofile.pstats"
		echo "summary:      $out/daily_cprofile_summary.txt"
		echo
		echo "five hottest functions (self time):"
		"$bin" top "$out/daily_cprofile.pstats" --sort tottime -n 5
		exit 0
	fi
fi
echo
echo "note: profiling the example failed (see above), so the demo renders the bundled example profile"
rendered_example
