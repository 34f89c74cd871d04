#!/bin/sh
# Cost of `hotpath record` (issue 3).  Prints figures; not a timed test.
# usage: bench/sampler.sh path/to/hotpath [RUNS] [PYTHON]
#  1. time per tick (median, p99, µs) sampling one thread with a 30-deep
#     stack, from the sampler's own per-tick timings (HOTPATH_SAMPLER_STATS=1
#     adds "tick_us" to NAME.json), live and with --blocking;
#  2. the target's slowdown at 100 Hz and 1 kHz: its CPU time (user+sys, from
#     wait4) with sampling over without, in ABBA-ordered pairs, the median of
#     the per-pair ratios;
#  3. the highest rate in 1k/2k/5k/10k Hz with under 1 % missed ticks.
# Targets: < 1 % slowdown at 100 Hz, < 3 % at 1 kHz, < 20 µs median per tick.
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
runs=${2:-7}
py=${3:-/usr/bin/python3.11}
[ -x "$py" ] || py=$(command -v python3)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/deep.py" <<'PY'
import sys
def work(n):
    t = 0
    for i in range(n):
        t += i * i
    return t
def down(d, n):
    if d == 0:
        return work(n)
    return down(d - 1, n)
# 30 Python frames: <module>, 28 x down, work
for _ in range(int(sys.argv[1])):
    down(28, 200000)
PY
"$py" - "$bin" "$tmp" "$runs" "$py" <<'PY'
import json, os, statistics, subprocess, sys, time
hp, tmp, runs, py = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
deep = os.path.join(tmp, "deep.py")
ITER = "300"         # about 1.7 s of CPU

def plain():
    p = subprocess.Popen([py, deep, ITER])
    _, _, ru = os.wait4(p.pid, 0)
    return ru.ru_utime + ru.ru_stime

def sampled(rate, iters=ITER, stats=False, extra=()):
    env = dict(os.environ)
    if stats:
        env["HOTPATH_SAMPLER_STATS"] = "1"
    subprocess.run([hp, "record", "-q", "--no-store", *extra, "-r", str(rate), "-o", tmp, "--name",
                    "b", "--", py, deep, iters], check=True, env=env)
    j = json.load(open(os.path.join(tmp, "b.json")))
    return j

print("python: %s; %d runs per figure; 2 cores, nothing pinned" % (py, runs))
# 1. per-tick cost
j = sampled(1000, stats=True)
t = j["tick_us"]
print("per tick, 1 thread, 30-deep stack, 1 kHz: median %.1f us, p99 %.1f us, max %.0f us "
      "(%d ticks, %d errors, %d retries)" % (t["median"], t["p99"], t["max"], t["ticks"],
                                            j["errors"], j.get("retries", 0)))
# with --blocking the target is held while each tick reads it
j = sampled(1000, stats=True, extra=("--blocking",))
t = j["tick_us"]
print("per tick with --blocking (target held meanwhile), 1 kHz: median %.1f us, p99 %.1f us "
      "(%d ticks, %d errors)" % (t["median"], t["p99"], t["ticks"], j["errors"]))
# 2. slowdown: pairs in ABBA order (drift cancels), the median of the
#    per-pair ratios, with the quartiles of those ratios
def quartiles(v):
    v = sorted(v)
    q = statistics.quantiles(v, n=4) if len(v) >= 2 else [v[0]] * 3
    return q[0], q[1], q[2]

for rate in (100, 1000):
    ratios, base = [], []
    for i in range(runs):
        if i % 2 == 0:
            b = plain(); j = sampled(rate)
        else:
            j = sampled(rate); b = plain()
        s = j["user_cpu_s"] + j["sys_cpu_s"]
        base.append(b)
        ratios.append(s / b)
    q1, med, q3 = quartiles(ratios)
    print("target CPU at %5d Hz: slowdown %+.2f %% (median of %d paired ratios; quartiles "
          "%+.2f..%+.2f %%; alone %.3f..%.3f s)" % (rate, 100 * (med - 1), runs,
                                                   100 * (q1 - 1), 100 * (q3 - 1),
                                                   min(base), max(base)))
# 3. sustained rate
for rate in (1000, 2000, 5000, 10000):
    j = sampled(rate, iters="200")
    missed = j["missed_ticks"] / max(1, j["ticks"] + j["missed_ticks"])
    print("--rate %5d: achieved %.0f Hz, %.2f %% missed ticks, %d errors of %d samples%s" % (
        rate, j["rate_achieved"], 100 * missed, j["errors"], j["samples"],
        "" if missed < 0.01 else "  (over 1 %)"))
PY
for peer in py-spy austin; do
	if command -v "$peer" >/dev/null 2>&1; then
		echo "$peer: installed, but not compared by this script yet"
	else
		echo "$peer (peer): not installed (not packaged in Debian 12)"
	fi
done
