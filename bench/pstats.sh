#!/bin/sh
# Benchmark: `hotpath top big.pstats -n 20` against python3's
# pstats.Stats(f).sort_stats('cumulative').print_stats(20) on a stats file of
# at least 20,000 functions (cProfile of `pydoc -k zzz`, which imports every
# module it can find).  Runs are interleaved; prints the median of each and
# the ratio.  usage: bench/pstats.sh [path/to/hotpath] [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
hp=${1:-$here/../build/hotpath}
runs=${2:-11}
py=${PYTHON:-python3}
out=$here/out
mkdir -p "$out"
big=$out/big.pstats
if [ ! -s "$big" ]; then
	echo "building $big (python3 -m cProfile -m pydoc -k zzz; about a minute)"
	(cd "$out" && "$py" -m cProfile -o "$big" -m pydoc -k zzz >/dev/null 2>&1 </dev/null) || true
fi
"$py" - "$hp" "$big" "$runs" <<'PY'
import marshal, statistics, subprocess, sys, time
hp, big, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(big, "rb") as f:
    n = len(marshal.load(f))
if n < 20000:
    sys.exit(f"{big} has only {n} functions (need 20,000)")
cmds = {
    "hotpath": [hp, "top", big, "-n", "20"],
    "python3 pstats": [sys.executable, "-c",
        "import pstats,sys; pstats.Stats(sys.argv[1]).sort_stats('cumulative').print_stats(20)", big],
}
# same output first
a = subprocess.run(cmds["hotpath"], capture_output=True, check=True).stdout
b = subprocess.run(cmds["python3 pstats"], capture_output=True, check=True).stdout
if a != b:
    sys.exit("outputs differ")
times = {k: [] for k in cmds}
for _ in range(runs):
    for k, c in cmds.items():
        t = time.perf_counter()
        subprocess.run(c, stdout=subprocess.DEVNULL, check=True)
        times[k].append(time.perf_counter() - t)
med = {k: statistics.median(v) for k, v in times.items()}
print(f"file: {big} ({n} functions), {runs} interleaved runs, identical output")
for k, v in med.items():
    print(f"  {k:15s} median {v * 1000:8.1f} ms  (min {min(times[k]) * 1000:.1f} ms)")
print(f"  ratio           {med['python3 pstats'] / med['hotpath']:.1f}x faster")
PY
