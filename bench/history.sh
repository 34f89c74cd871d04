#!/bin/sh
# Run history speed (issue 7): insert 100,000 runs with 5 metrics each into
# SQLite (one transaction per run), then `history` for one scenario, for
# all of them, one scenario's whole series as CSV, and `history --changes`
# over a 10,000-point series.  Prints the insert rate and medians.
# Targets: above 5,000 runs/s; history and --changes each under 100 ms.
# usage: bench/history.sh path/to/hotpath [RUNS] [N]
set -eu
bin=$1 runs=${2:-5} n=${3:-100000}
here=$(cd "$(dirname "$0")" && pwd)
build=$(dirname "$bin")
out="$here/out"
mkdir -p "$out"
db="$out/history-bench.db"
rm -f "$db" "$db-wal" "$db-shm"
"$build/bench/history_fill" "sqlite:$db" "$n"
python3 "$here/measure.py" "hotpath history (one scenario, last 50 runs)" "$runs" -- \
	"$bin" history --store "sqlite:$db" --scenario s0
python3 "$here/measure.py" "hotpath history (all scenarios, last 50 runs)" "$runs" -- \
	"$bin" history --store "sqlite:$db"
python3 "$here/measure.py" "hotpath history (one scenario, all $((n / 10)) runs, csv)" "$runs" -- \
	"$bin" history --store "sqlite:$db" --scenario s0 --metric wall_seconds --limit 0 --format csv
python3 "$here/measure.py" "hotpath history --changes ($((n / 10))-point series)" "$runs" -- \
	"$bin" history --store "sqlite:$db" --scenario s0 --metric wall_seconds --changes
"$bin" history --store "sqlite:$db" --scenario s0 --metric wall_seconds --changes
