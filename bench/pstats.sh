#!/bin/sh
# Benchmark: `hotpath top big.pstats -n 20` against python3's
# pstats.Stats(f).sort_stats('cumulative').print_stats(20) on a stats file of
# at least 20,000 functions (cProfile of `pydoc -k zzz`, which imports every
# module it can find).  The interpreters are the real binaries (not a pyenv
# shim): /usr/bin/python3.11 and sys.executable of the `python3` on PATH, when
# present.  Runs are interleaved; prints the median wall time of each, the
# median CPU time (user + system, from os.wait4's rusage: steadier than wall
# time on a loaded machine), the ratios against each interpreter and the load
# average.  usage: bench/pstats.sh [path/to/hotpath] [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
hp=${1:-$here/../build/hotpath}
runs=${2:-21}
py=${PYTHON:-python3}
out=$here/out
mkdir -p "$out"
big=$out/big.pstats
if [ ! -s "$big" ]; then
	echo "building $big (python3 -m cProfile -m pydoc -k zzz; about a minute)"
	(cd "$out" && "$py" -m cProfile -o "$big" -m pydoc -k zzz >/dev/null 2>&1 </dev/null) || true
fi
"$py" - "$hp" "$big" "$runs" <<'PY'
import marshal, os, statistics, subprocess, sys, time
hp, big, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(big, "rb") as f:
    n = len(marshal.load(f))
if n < 20000:
    sys.exit(f"{big} has only {n} functions (need 20,000)")
pys = []
for p in ["/usr/bin/python3.11", sys.executable]:
    if os.path.exists(p) and os.path.realpath(p) not in [os.path.realpath(q) for q in pys]:
        pys.append(p)
code = "import pstats,sys; pstats.Stats(sys.argv[1]).sort_stats('cumulative').print_stats(20)"
cmds = {"hotpath": [hp, "top", big, "-n", "20"]}
for p in pys:
    cmds[p] = [p, "-c", code, big]
# same output first
want = subprocess.run(cmds["hotpath"], capture_output=True, check=True).stdout
for k, c in cmds.items():
    if subprocess.run(c, capture_output=True, check=True).stdout != want:
        sys.exit(f"outputs differ: hotpath and {k}")

def run(c):
    t = time.perf_counter()
    pid = os.posix_spawn(c[0], c, os.environ,
                         file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)])
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{c[0]} failed")
    return wall, ru.ru_utime + ru.ru_stime

wall = {k: [] for k in cmds}
cpu = {k: [] for k in cmds}
load0 = os.getloadavg()
for _ in range(runs):
    for k, c in cmds.items():
        w, t = run(c)
        wall[k].append(w)
        cpu[k].append(t)
load1 = os.getloadavg()
mw = {k: statistics.median(v) for k, v in wall.items()}
mc = {k: statistics.median(v) for k, v in cpu.items()}
print(f"file: {big} ({n} functions, {os.path.getsize(big)} bytes), {runs} interleaved runs, identical output")
print(f"load average: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} before, "
      f"{load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f} after ({os.cpu_count()} CPUs)")
print(f"  {'':40s} {'wall median':>12s} {'(min)':>9s} {'CPU median':>11s} {'(min)':>9s}")
for k in cmds:
    print(f"  {k:40s} {mw[k] * 1000:9.1f} ms {min(wall[k]) * 1000:6.1f} ms "
          f"{mc[k] * 1000:8.1f} ms {min(cpu[k]) * 1000:6.1f} ms")
for p in pys:
    print(f"  ratio vs {p}: {mw[p] / mw['hotpath']:.1f}x (wall), {mc[p] / mc['hotpath']:.1f}x (CPU)")
PY
