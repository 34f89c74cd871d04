# hotpath record: exit status, crash, Ctrl-C, and the clear errors.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/record_lib.sh"
py=$CHECKPY
# the target's exit status is record's, and outputs are complete
expect_exit 3 "$HOTPATH" record -q -o "$TMP/o" --name e3 -- "$py" "$FIX/exit3.py" 0.3
grep -q '"exit_status": 3' "$TMP/o/e3.json" || fail "exit_status 3 not in json"
[ -s "$TMP/o/e3.folded" ] || fail "no folded output for exit3"
[ "$(cat "$TMP/o/.gitignore")" = "*" ] || fail ".gitignore missing"
# a target killed by a signal: 128+9, outputs still written
expect_exit 137 "$HOTPATH" record -q -o "$TMP/o" --name k -- "$py" -c 'import os, time
end = time.monotonic() + 0.3
while time.monotonic() < end: pass
os.kill(os.getpid(), 9)'
grep -q '"exit_status": 137' "$TMP/o/k.json" || fail "exit_status 137 not in json"
# Ctrl-C (SIGINT to hotpath) stops, forwards to the target and writes outputs
ctrl_c_check int
# --pid attaches to a running process until --duration
"$py" "$FIX/sleeper.py" 5 >"$TMP/sl.out" &
sp=$!
sleep 0.3
"$HOTPATH" record -q -o "$TMP/o" --name pid --pid $sp --duration 0.5
kill $sp 2>/dev/null || true
grep -q 'wait' "$TMP/o/pid.folded" || fail "--pid recorded nothing"
# not a Python process
expect_exit 3 "$HOTPATH" record -q --timeout 0.5 -o "$TMP/o" -- sleep 3 2>"$TMP/err"
expect_grep "is not a python process" "$TMP/err"
# exited before the interpreter started
expect_exit 3 "$HOTPATH" record -q -o "$TMP/o" -- true 2>"$TMP/err"
expect_grep "exited before the python interpreter started" "$TMP/err"
# unsupported version: a fake interpreter that says it is 3.7
if command -v cc >/dev/null; then
	printf '%s\n' '#include <unistd.h>' 'unsigned long Py_Version = 0x030700f0;' \
		'char _PyRuntime[4096];' 'int main(void) { _PyRuntime[0] = 1; sleep(3); return 0; }' >"$TMP/fake.c"
	cc -rdynamic -o "$TMP/python3.7" "$TMP/fake.c"
	expect_exit 3 "$HOTPATH" record -q --timeout 2 -o "$TMP/o" -- "$TMP/python3.7" 2>"$TMP/err"
	expect_grep "unsupported python version 3.7" "$TMP/err"
	expect_grep "supported: 3.8, 3.9, 3.10, 3.11, 3.12, 3.13" "$TMP/err"
fi
# permission denied: an unprivileged user attaching to root's process
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null && runuser -u nobody -- test -x "$HOTPATH"; then
	"$py" "$FIX/sleeper.py" 5 >/dev/null &
	sp=$!
	sleep 0.3
	expect_exit 3 runuser -u nobody -- "$HOTPATH" record -q -o /tmp --pid $sp --duration 0.3 2>"$TMP/err"
	kill $sp 2>/dev/null || true
	expect_grep "permission denied" "$TMP/err"
	expect_grep "CAP_SYS_PTRACE" "$TMP/err"
fi
# usage errors
expect_exit 2 "$HOTPATH" record 2>/dev/null
expect_exit 2 "$HOTPATH" record --pid 1 -- python3 2>/dev/null
