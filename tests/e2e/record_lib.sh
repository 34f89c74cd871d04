# Shared set-up for tests/e2e/t-record*.sh (sourced after lib.sh).
# Finds the installed CPython builds at run time and skips (exit 77) when
# this machine does not let us read another process's memory.
FIX="$ROOT/tests/fixtures/python"
CHECK="$E2E_DIR/check_record.py"
PYS=""
# Debian's static build (_PyRuntime in the executable)
for p in /usr/bin/python3.11 /usr/bin/python3; do
	if [ -x "$p" ] && "$p" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
		PYS="$p"; break
	fi
done
# whatever python3 on PATH really runs (pyenv: the --enable-shared build)
PY_PATH_EXE=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || true)
case "$PY_PATH_EXE" in
"" | "$PYS") ;;
*) "$PY_PATH_EXE" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null && PYS="$PYS $PY_PATH_EXE" ;;
esac
[ -n "$PYS" ] || skip "no CPython 3.11 installed"
CHECKPY=$(echo "$PYS" | awk '{print $1}')

# can we read a child's memory at all?
probe() {
	set +e
	"$HOTPATH" record -q -o "$TMP/probe" --name probe -- "$CHECKPY" -c 'import time; time.sleep(0.3)' 2>"$TMP/probe.err"
	rc=$?
	set -e
	if [ $rc -ne 0 ] && grep -q 'permission denied' "$TMP/probe.err"; then
		skip "process_vm_readv not permitted here: $(head -n 1 "$TMP/probe.err")"
	fi
}
probe

# record_check PY FIXTURE ARGS...: record the fixture and check its stacks
record_check() {
	py=$1; fx=$2; shift 2
	out="$TMP/out-$$"
	"$HOTPATH" record -q -o "$out" --name r "$@" -- "$py" "$FIX/$fx" "${SECS:-0.8}" ||
		fail "record of $fx with $py failed"
	"$CHECKPY" "$CHECK" "$out/r.folded" "$FIX/$fx" ${CHILD:-} || {
		cp "$out/r.folded" "/tmp/failed-$fx.folded" 2>/dev/null || true
		fail "$fx with $py: stacks do not match (folded kept in /tmp/failed-$fx.folded)"
	}
	grep -q '"errors": 0' "$out/r.json" || echo "note: $fx: $(grep '"errors"' "$out/r.json")"
}

# ctrl_c_check NAME RECORD-OPTIONS...: SIGINT to hotpath while it records
# a sleeper stops it, reaches the target (exit 1 from KeyboardInterrupt,
# or 130) and still writes the outputs
ctrl_c_check() {
	name=$1; shift
	"$HOTPATH" record -q "$@" -o "$TMP/o" --name "$name" -- "$CHECKPY" "$FIX/sleeper.py" 30 >"$TMP/$name.out" 2>&1 &
	hp=$!
	sleep 1
	kill -INT $hp
	set +e; wait $hp; rc=$?; set -e
	[ $rc = 1 ] || [ $rc = 130 ] || fail "after SIGINT expected 1 (KeyboardInterrupt) or 130, got $rc"
	grep -q 'wait' "$TMP/o/$name.folded" || fail "no samples after SIGINT"
	grep -q '"exit_status"' "$TMP/o/$name.json" || fail "no json after SIGINT"
}
