# `hotpath record --profiler cprofile|all`: the target runs under cProfile
# (script, -m module, -c code) with each python3 on the machine; the exit
# status is the target's; NAME_summary.txt is byte for byte what python's
# pstats prints for NAME.pstats (sort cumulative, 20 rows).
. "$E2E_DIR/lib.sh"
pythons=""
for py in /usr/bin/python3.11 "$(command -v python3 || true)"; do
	[ -n "$py" ] && [ -x "$py" ] || continue
	case " $pythons " in *" $py "*) continue ;; esac
	pythons="$pythons $py"
done
[ -n "$pythons" ] || skip "no python3 on this machine"
mkdir -p "$TMP/pkg"
cat >"$TMP/prog.py" <<'PY'
import sys
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
def main():
    for _ in range(3):
        fib(12)
    print("argv", sys.argv[1:])
main()
if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "fail":
    sys.exit(7)
PY
cp "$TMP/prog.py" "$TMP/pkg/progmod.py"
# summary_check PY DIR NAME: the summary equals pstats' print_stats(20)
summary_check() {
	(cd "$TMP" && "$1" -c 'import pstats, sys; pstats.Stats(sys.argv[1]).sort_stats("cumulative").print_stats(20)' \
		"$2/$3.pstats" >"$TMP/want.txt") || fail "pstats cannot load $2/$3.pstats"
	case $2 in /*) s=$2/${3}_summary.txt ;; *) s=$TMP/$2/${3}_summary.txt ;; esac
	cmp "$s" "$TMP/want.txt" || { diff "$s" "$TMP/want.txt" | head -20; fail "summary differs ($1, $3)"; }
}
n=0
for py in $pythons; do
	n=$((n + 1))
	echo "== $py"
	# a script with arguments; exit status kept (0, then 7 from sys.exit)
	(cd "$TMP" && "$HOTPATH" record -q --profiler cprofile -o o$n --name s -- "$py" prog.py a b >"$TMP/out.txt") ||
		fail "record --profiler cprofile ($py)"
	expect_grep "argv \['a', 'b'\]" "$TMP/out.txt"
	summary_check "$py" o$n s
	expect_grep 'prog.py:2(fib)' "$TMP/o$n/s_summary.txt"
	expect_grep '"exit_status": 0' "$TMP/o$n/s.json"
	(cd "$TMP" && expect_exit 7 "$HOTPATH" record -q --profiler cprofile -o o$n --name f -- "$py" prog.py fail >/dev/null)
	summary_check "$py" o$n f
	expect_grep '"exit_status": 7' "$TMP/o$n/f.json"
	# -m module (with interpreter options before it), -c code
	(cd "$TMP/pkg" && "$HOTPATH" record -q --profiler cprofile -o "$TMP/o$n" --name m -- "$py" -u -m progmod x >"$TMP/out.txt") ||
		fail "record -m ($py)"
	expect_grep "argv \['x'\]" "$TMP/out.txt"
	summary_check "$py" "$TMP/o$n" m
	expect_grep 'progmod.py:2(fib)' "$TMP/o$n/m_summary.txt"
	(cd "$TMP" && expect_exit 3 "$HOTPATH" record -q --profiler cprofile -o o$n --name c -- "$py" -c 'import sys
def g(k):
    return sum(range(k))
g(1000); print(sys.argv); sys.exit(3)' "it's" '$(true)' >"$TMP/out.txt")
	expect_grep "\['-c', \"it's\", '\$(true)'\]" "$TMP/out.txt"
	summary_check "$py" o$n c
	expect_grep '<string>:2(g)' "$TMP/o$n/c_summary.txt"
	# an exception: traceback, exit 1, statistics still written
	(cd "$TMP" && expect_exit 1 "$HOTPATH" record -q --profiler cprofile -o o$n --name e -- "$py" -c 'def boom(): raise ValueError(1)
boom()' 2>"$TMP/err")
	expect_grep ValueError "$TMP/err"
	summary_check "$py" o$n e
done
# default name: the script's name and a time stamp
(cd "$TMP" && "$HOTPATH" record -q --profiler cprofile -o dn -- python3 prog.py >/dev/null) || fail "default name"
ls "$TMP/dn" | grep -q '^prog-[0-9]*-[0-9]*_summary.txt$' || { ls "$TMP/dn"; fail "default name"; }
[ "$(cat "$TMP/dn/.gitignore")" = "*" ] || fail ".gitignore in the output folder"
ls "$TMP/dn" | grep -q tmp && fail "a temporary file was left"

# errors: not a Python command, no target, --pid, unknown profiler
expect_exit 2 "$HOTPATH" record --profiler cprofile -o "$TMP/x" -- /bin/true 2>"$TMP/err"
expect_grep "runs a Python command" "$TMP/err"
expect_exit 2 "$HOTPATH" record --profiler cprofile -o "$TMP/x" -- python3 -u 2>"$TMP/err"
expect_grep "runs no script" "$TMP/err"
expect_exit 2 "$HOTPATH" record --profiler cprofile --pid 1 2>"$TMP/err"
expect_exit 2 "$HOTPATH" record --profiler bogus -o "$TMP/x" -- python3 prog.py 2>"$TMP/err"
expect_grep "unknown profiler 'bogus'" "$TMP/err"
expect_exit 2 "$HOTPATH" record --profiler all -o "$TMP/x" -- /bin/true 2>"$TMP/err"
[ ! -e "$TMP/x" ] || fail "a usage error created the output folder"

# --profiler all: sampled, then cProfile; one JSON for both
set +e
(cd "$TMP" && "$HOTPATH" record -q --profiler all -o al --name a -- python3 prog.py fail >/dev/null 2>"$TMP/err")
rc=$?
set -e
if [ $rc -ne 7 ] && grep -q 'permission denied' "$TMP/err"; then
	echo "note: sampling not permitted here; --profiler all not tested"
	exit 0
fi
[ $rc -eq 7 ] || { cat "$TMP/err"; fail "record --profiler all: exit $rc, want 7"; }
for f in a.folded a.json a.pstats a_summary.txt; do [ -s "$TMP/al/$f" ] || fail "--profiler all: no $f"; done
summary_check python3 al a
python3 - "$TMP/al/a.json" <<'PY' || fail "--profiler all: JSON"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["profilers"] == ["sampling", "cprofile"], j
assert "rate_achieved" in j and j["exit_status"] == 7, j
assert j["cprofile"]["pstats"] == "a.pstats" and j["cprofile"]["exit_status"] == 7, j
PY
