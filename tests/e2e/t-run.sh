# hotpath run: listing, one scenario with every profiler, a failing scenario
# among others, --profiler, config discovery (hotpath.toml, pyproject.toml,
# --config), errors.
. "$E2E_DIR/lib.sh"
cd "$TMP"
PY=$(command -v python3) || skip "no python3"
mkdir -p proj/sub/deeper proj/app
cat >proj/app/work.py <<'PY'
import sys, time
def inner(n):
    return sum(i * i for i in range(n))
def outer():
    block = [bytearray(1 << 20) for _ in range(40)]   # about 40 MiB for the memory profile
    t = time.time()
    while time.time() - t < float(sys.argv[1]):
        inner(20000)
    return len(block)
outer()
print("work done", sys.argv[2] if len(sys.argv) > 2 else "")
PY
cat >proj/hotpath.toml <<EOF
[defaults]
rate = 200
profilers = ["memory"]

[scenarios.ok]
command = ["$PY", "work.py", "0.4", "it's ok"]
cwd = "app"
env = { HP_RUN_TEST = "yes" }
tags = ["fast", "ci"]

[scenarios.broken]
command = "$PY -c 'import sys; sys.exit(4)'"
tags = ["bad"]

[scenarios.env-check]
command = ["$PY", "-c", "import os, sys; sys.exit(0 if os.environ.get('HP_X') == 'a b' else 5)"]
env = { HP_X = "a b" }
EOF

# --list-scenarios, found from a sub-folder
(cd proj/sub/deeper && "$HOTPATH" run --list-scenarios) >list.txt
cat list.txt
expect_grep "proj/hotpath.toml: 3 scenarios" list.txt
expect_grep "^ok$" list.txt
expect_grep "command:   $PY work.py 0.4 'it'\\\\''s ok'" list.txt
expect_grep "profilers: memory (rate 200 Hz)" list.txt
expect_grep "tags:      fast, ci" list.txt
expect_grep "cwd:       .*/proj/app" list.txt

# a failing scenario does not stop the others; exit status 3; summary lists each
expect_exit 3 "$HOTPATH" run -c proj/hotpath.toml --scenario all -o out1 >sum.txt 2>err.txt
cat sum.txt err.txt
expect_grep "^  ok  *ok " sum.txt
expect_grep "^  broken  *FAILED .*memory: exit status 4" sum.txt
expect_grep "^  env-check  *ok " sum.txt
expect_grep "2 of 3 scenarios ok" sum.txt
expect_grep "scenario broken FAILED" err.txt
[ -f out1/.gitignore ] && [ "$(cat out1/.gitignore)" = "*" ] || fail "no .gitignore of * in the output folder"
expect_grep "^peak_rss_kb: " out1/ok_memory.txt
python3 - out1/ok_memory.txt <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
head = dict(l.split(": ", 1) for l in lines if ": " in l and not l.startswith("#"))
peak = int(head["peak_rss_kb"])
assert 40 * 1024 < peak < 400 * 1024, peak
i = lines.index([l for l in lines if l.split() == ["time_s", "rss_kb"]][0])
rows = [l.split() for l in lines[i + 1:]]
assert len(rows) >= 20, len(rows)           # 0.4 s at 200 Hz
ts = [float(t) for t, _ in rows]
assert ts == sorted(ts) and ts[-1] >= 0.3, ts[-5:]
assert max(int(k) for _, k in rows) == peak
PY

# usage errors
expect_exit 2 "$HOTPATH" run -c proj/hotpath.toml --scenario nope 2>err.txt
expect_grep "no scenario 'nope' in '.*proj/hotpath.toml' (it has: ok, broken, env-check)" err.txt
expect_exit 2 "$HOTPATH" run -c proj/hotpath.toml 2>err.txt
expect_grep "choose scenarios with '--scenario NAME'" err.txt
expect_exit 2 "$HOTPATH" run -c proj/hotpath.toml --scenario ok --profiler perf 2>err.txt
expect_grep "unknown profiler 'perf'" err.txt
# no configuration anywhere above an empty folder in /tmp
mkdir empty
(cd empty && expect_exit 3 "$HOTPATH" run --list-scenarios 2>../err.txt)
expect_grep "no hotpath.toml, or pyproject.toml with \[tool.hotpath\]" err.txt

# pyproject.toml discovery ([tool.hotpath]), and --config overriding it
mkdir -p py/src
cat >py/pyproject.toml <<EOF
[project]
name = "demo"

[tool.hotpath.defaults]
output = "prof-out"
profilers = "memory"

[tool.hotpath.scenarios.from-pyproject]
command = ["$PY", "-c", "import time; time.sleep(0.3)"]
EOF
(cd py/src && "$HOTPATH" run --scenario all) >py.txt
expect_grep "from-pyproject  *ok" py.txt
[ -f py/prof-out/from-pyproject_memory.txt ] || fail "output folder not relative to pyproject.toml"
(cd py/src && "$HOTPATH" run --config "$TMP/proj/hotpath.toml" --list-scenarios) >list2.txt
expect_grep "proj/hotpath.toml: 3 scenarios" list2.txt

# cprofile (through record --profiler cprofile when this build has it,
# else python -m cProfile)
"$HOTPATH" run -c proj/hotpath.toml --scenario ok --profiler cprofile -o out2 >c.txt
expect_grep "work done it's ok" c.txt
[ -s out2/ok_cprofile.pstats ] || fail "no ok_cprofile.pstats"
expect_grep "inner" out2/ok_cprofile_summary.txt
expect_grep "Ordered by: cumulative time" out2/ok_cprofile_summary.txt
python3 -c "import pstats, sys; s = pstats.Stats(sys.argv[1]); assert any(k[2] == 'inner' for k in s.stats)" out2/ok_cprofile.pstats
[ ! -e out2/ok.json ] || fail "the cProfile run wrote the sampling run's ok.json"

# sampling needs process_vm_readv on the child
set +e
"$HOTPATH" record -q -o probe --name probe -- "$PY" -c 'import time; time.sleep(0.3)' 2>probe.err
rc=$?
set -e
if [ $rc -ne 0 ] && grep -q 'permission denied' probe.err; then
	skip "sampling: process_vm_readv not permitted here (listing, failures, memory, cprofile and discovery passed)"
fi
"$HOTPATH" run -c proj/hotpath.toml --scenario ok --profiler all -o out3 >all.txt
cat all.txt
for f in ok.folded ok.svg ok.json ok_cprofile.pstats ok_cprofile_summary.txt ok_memory.txt; do
	[ -s "out3/$f" ] || fail "missing out3/$f"
done
expect_grep "inner (.*work.py:3)" out3/ok.folded
expect_grep "during the sampling run" out3/ok_memory.txt
expect_grep '"exit_status": 0' out3/ok.json
# both record runs went into one history in the output folder, under the
# scenario's name -- not into the scenario's own working folder
"$HOTPATH" history --store "sqlite:$TMP/out3/history.db" --scenario ok --format csv >hist.csv
[ "$(grep -c '^[0-9]' hist.csv)" -ge 2 ] || { cat hist.csv; fail "run's record runs are not in the history"; }
[ ! -e proj/app/profiles/history.db ] || fail "history written into the scenario's folder"
"$HOTPATH" run -c proj/hotpath.toml --scenario ok --profiler sampling --no-store -o out4 >/dev/null
[ ! -e out4/history.db ] || fail "--no-store still stored"

