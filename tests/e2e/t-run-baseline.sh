# hotpath run --baseline-dir: one Markdown report comparing each scenario
# with the files of the same name in the baseline folder (names escaped).
. "$E2E_DIR/lib.sh"
cd "$TMP"
PY=$(command -v python3) || skip "no python3"
cat >work.py <<'PY'
import sys
def slow(n):
    return sum(i * i for i in range(n))
def fast(n):
    return n * (n - 1) * (2 * n - 1) // 6
def main(k):
    for _ in range(30):
        slow(k)
        fast(k)
main(int(sys.argv[1]))
PY
write_cfg() {
	cat >hotpath.toml <<EOF
[scenarios.calc]
command = ["$PY", "work.py", "$1"]
profilers = ["cprofile", "memory"]

[scenarios.snake_case_name]
command = ["$PY", "-c", "import time; time.sleep(0.2)"]
profilers = ["memory"]

[scenarios.gone]
command = ["$PY", "-c", "raise SystemExit(2)"]
profilers = ["memory"]
EOF
}
write_cfg 20000
expect_exit 3 "$HOTPATH" run --scenario all -o base >/dev/null 2>&1
write_cfg 80000
expect_exit 3 "$HOTPATH" run --scenario all -o new --baseline-dir base -n 50 >out.txt 2>err.txt
cat out.txt
expect_grep "comparison with base: .*/new/comparison.md" out.txt
r=new/comparison.md
cat "$r"
expect_grep "^# hotpath run: comparison with the baseline" "$r"
expect_grep "^| calc | ✅ ok | – | .* s → .* s (+[0-9.]*%) | .* MiB → .* MiB" "$r"
expect_grep "^| snake\\\\_case\\\\_name | ✅ ok | – | – | .* MiB → .* MiB" "$r"
expect_grep "^| gone | ❌ failed |" "$r"
expect_grep "^## calc" "$r"
expect_grep "^### cProfile" "$r"
expect_grep "top regressions (self share grew)" "$r"
expect_grep "top improvements (self share shrank)" "$r"
expect_grep "work.py:2(slow)" "$r"
expect_grep "^### Memory" "$r"
expect_grep "The scenario failed: memory: exit status 2" "$r"
# --report puts it elsewhere; a missing baseline folder is an error
expect_exit 0 "$HOTPATH" run --scenario calc -o new2 --baseline-dir base --report rep.md --profiler memory >/dev/null
expect_grep "^| calc | ✅ ok | – | – | " rep.md
expect_exit 3 "$HOTPATH" run --scenario calc -o new3 --baseline-dir nowhere 2>err.txt
expect_grep "cannot use 'nowhere' as the baseline folder" err.txt
