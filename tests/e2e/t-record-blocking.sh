# hotpath record --blocking: the target stopped (ptrace) for every sample.
# Its stacks are exact references: shares that live sampling cannot reach
# yet (gencalls.py) are held to the stopped target's truth, the target's
# exit status, signals and threads' on-CPU state still come through, and
# an attached process runs on afterwards.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/record_lib.sh"
for py in $PYS; do
	SECS=1.5 CHILD=--blocking record_check "$py" gencalls.py -r 500 --blocking
	grep -q '"blocking": true' "$TMP/out-$$/r.json" || fail "blocking not in json"
	# a stopped target leaves nothing to tear: at most 1 % of the walks
	# may fail (0 in every run so far)
	"$CHECKPY" -c 'import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if j["errors"] * 100 <= j["samples"] else 1)' "$TMP/out-$$/r.json" ||
		fail "errors with --blocking: $(grep -E '"(errors|samples)"' "$TMP/out-$$/r.json" | tr -d '\n')"
	SECS=1.5 CHILD=--blocking record_check "$py" nested.py -r 500 --blocking
	SECS=1 CHILD=--blocking record_check "$py" lambdas.py -r 500 --blocking
	SECS=1 CHILD=--blocking record_check "$py" genasync.py -r 500 --blocking
	# on-CPU by default: the thread states are read before the stop
	SECS=1 CHILD=--blocking record_check "$py" threads.py -r 200 --blocking
	idle=$(awk '/sleepy/ {n += $NF} {t += $NF} END {printf "%d %d", n, t}' "$TMP/out-$$/r.folded")
	[ "${idle%% *}" -le $(( ${idle#* } / 50 + 2 )) ] || fail "idle thread sampled without --idle ($idle)"
	SECS=1 CHILD=--no-share record_check "$py" threads.py -r 200 --blocking --idle
	grep -q 'sleepy' "$TMP/out-$$/r.folded" || fail "idle thread missing with --blocking --idle"
done
py=$CHECKPY
# the exit status comes through even when the stop's wait saw the exit
expect_exit 3 "$HOTPATH" record -q --blocking -r 2000 -o "$TMP/o" --name e3 -- "$py" "$FIX/exit3.py" 0.3
grep -q '"exit_status": 3' "$TMP/o/e3.json" || fail "exit_status 3 not in json"
grep -Eq '"user_cpu_s": 0\.[1-9]' "$TMP/o/e3.json" || fail "no CPU time for exit3: $(grep user_cpu "$TMP/o/e3.json")"
# threads that start and end all the time, then a process that exits
# while its busy threads are held (a thread killed while traced stays a
# zombie until waited for: record once hung here)
expect_exit 0 timeout -k 5 60 "$HOTPATH" record -q --blocking -r 2000 -o "$TMP/o" --name tchurn -- "$py" -c 'import threading, time
end = time.monotonic() + 1.0
def w(): sum(range(2000))
while time.monotonic() < end:
    ts = [threading.Thread(target=w) for _ in range(4)]
    for t in ts: t.start()
    for t in ts: t.join()'
for i in 1 2 3; do
	expect_exit 5 timeout -k 5 60 "$HOTPATH" record -q --blocking -r 2000 -o "$TMP/o" --name ex -- "$py" -c 'import os, threading, time
def busy():
    while True: sum(range(1000))
for _ in range(3): threading.Thread(target=busy, daemon=True).start()
def killer(): time.sleep(0.5); os._exit(5)
threading.Thread(target=killer).start()
busy()'
	grep -q '"exit_status": 5' "$TMP/o/ex.json" || fail "exit_status 5 not in json"
done
# Ctrl-C reaches the target (a signal arriving while it is stopped is
# handed back on detach)
ctrl_c_check int --blocking -r 1000
# --pid: the process runs on, not stopped, after record detached
"$py" "$FIX/sleeper.py" 30 >"$TMP/sl.out" &
sp=$!
sleep 0.3
"$HOTPATH" record -q --blocking -r 1000 -o "$TMP/o" --name pid --pid $sp --duration 0.5
grep -q 'wait' "$TMP/o/pid.folded" || fail "--pid --blocking recorded nothing"
sleep 0.1
state=$(awk '{print $3}' "/proc/$sp/stat")
t1=$(awk '{print $14}' "/proc/$sp/stat")
sleep 0.3
t2=$(awk '{print $14}' "/proc/$sp/stat")
kill $sp 2>/dev/null || true
wait $sp 2>/dev/null || true
case "$state" in R | S) ;; *) fail "process left in state $state after --blocking --pid" ;; esac
[ "$t2" -gt "$t1" ] || fail "process not running after --blocking --pid (utime $t1 -> $t2)"
