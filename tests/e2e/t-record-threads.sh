# hotpath record: threads (idle excluded by default), subprocesses, the
# launcher shim, and 50 consecutive runs of a very short script.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/record_lib.sh"
for py in $PYS; do
	SECS=1 record_check "$py" threads.py -r 200
	# the sleeping thread is on CPU only while it starts and enters sleep()
	idle=$(awk '/sleepy/ {n += $NF} {t += $NF} END {printf "%d %d", n, t}' "$TMP/out-$$/r.folded")
	[ "${idle%% *}" -le $(( ${idle#* } / 50 + 2 )) ] || fail "idle thread sampled without --idle ($idle)"
	SECS=1 CHILD=--no-share record_check "$py" threads.py -r 200 --idle
	grep -q 'sleepy' "$TMP/out-$$/r.folded" || fail "idle thread missing with --idle"
	# a multiprocessing pool: the work is in the children
	"$HOTPATH" record -q -o "$TMP/p" --name pool --subprocesses -r 200 -- "$py" "$FIX/pool.py" 1 >/dev/null
	grep -q '^work\|;work (' "$TMP/p/pool.folded" || fail "no samples of the pool workers"
	npids=$("$CHECKPY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["pids"]))' "$TMP/p/pool.json")
	[ "$npids" -ge 3 ] || fail "expected the parent and 2 workers in pids, got $npids"
done
# python3 on PATH may be a launcher (a pyenv shim is a bash script)
if command -v python3 >/dev/null; then
	SECS=1.5 record_check python3 nested.py -r 1000
fi
# 50 runs of a very short script must all find the interpreter
py=$(echo "$PYS" | awk '{print $1}')
i=0
while [ $i -lt 50 ]; do
	"$HOTPATH" record -q -r 1000 -o "$TMP/s" --name s -- "$py" "$FIX/short.py" ||
		fail "run $i: record of a short script failed"
	i=$((i + 1))
done
