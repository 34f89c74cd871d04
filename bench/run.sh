#!/bin/sh
# Flame graph and top on a large folded input (issue: foundation).
# usage: bench/run.sh path/to/hotpath [RUNS]
# Targets on a 2-core machine: `hotpath flame` under 1 s, peak RSS under
# twice the input size, SVG under 5 MB.  Prints medians.
set -eu
bin=$1 runs=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
build=$(dirname "$bin")
out="$here/out"
mkdir -p "$out"
input="$out/large.folded"
if [ ! -s "$input" ]; then
	"$build/bench/gen_folded" 200000 42 >"$input.tmp" && mv "$input.tmp" "$input"
fi
size=$(wc -c <"$input")
stacks=$(wc -l <"$input")
echo "input: $input, $stacks unique stacks, $((size / 1000000)) MB"
python3 "$here/measure.py" "hotpath flame" "$runs" -- "$bin" flame "$input" -o "$out/large.svg"
svg=$(wc -c <"$out/large.svg")
echo "svg size: $((svg / 1000)) kB"
python3 "$here/measure.py" "hotpath top" "$runs" -- "$bin" top "$input" -n 20
echo "input size: $((size / 1000000)) MB; RSS target: under $((2 * size / 1000000)) MB"
if command -v flamegraph.pl >/dev/null 2>&1; then
	python3 "$here/measure.py" "flamegraph.pl (peer)" 1 -- flamegraph.pl "$input"
else
	echo "flamegraph.pl (peer): not installed (no Debian package); reference figure on this machine: about 40 s"
fi
