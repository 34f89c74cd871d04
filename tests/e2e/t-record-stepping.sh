# The 3.11 walker against every state of a real target: tests/stepper.c
# single-steps each fixture, records every state the walker may read, and
# replays samples whose reads fall on different states (before, during and
# after the data-stack copy, up to 2000 states apart, the copy's top torn
# off a later state).  Every stack delivered must be one the thread had at
# some state in between; walks that give none are counted, not failed.
# Then live sampling is simulated on the recording (each read a set number
# of instructions after the one before): the share of every leaf function
# must stay within 0.05 of its share of the time.  These found the walker
# bugs that live runs showed only as shares off by 5 to 15 points
# (docs/record.md, "Checked by single-stepping").  STEPPER_STEPS sets the
# instructions stepped per fixture and Python (fewer when sanitized).
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/record_lib.sh"
stepper="$(dirname "$HOTPATH")/tests/hp-stepper"
[ -x "$stepper" ] || skip "no $stepper (built with the tests)"
if [ -n "${HOTPATH_SANITIZED:-}" ]; then
	steps=${STEPPER_STEPS:-15000} stride=4
else
	steps=${STEPPER_STEPS:-40000} stride=2
fi

# step PY FIXTURE OPTIONS...: run the stepper (again when the stepped
# stretch fell inside one long C loop, such as freeing a list, and
# recorded no state)
step() {
	py=$1; fx=$2; shift 2
	set +e
	for try in 1 2 3; do
		"$stepper" "$@" -- "$py" "$FIX/$fx" 600 >"$TMP/st.out" 2>&1
		rc=$?
		grep -q 'fewer than two states' "$TMP/st.out" || break
	done
	set -e
	[ $rc -ne 77 ] || skip "$(tail -n 1 "$TMP/st.out")"
	echo "$fx with $py $*:"
	sed 's/^/    /' "$TMP/st.out"
	[ $rc -eq 0 ] || fail "$fx with $py $*: wrong stacks or shares"
	grep -q ', bad 0,' "$TMP/st.out" || fail "$fx with $py: no summary"
}

for py in $PYS; do
	for fx in lambdas.py nested.py methods.py gencalls.py genasync.py; do
		step "$py" "$fx" --torn 1 --steps "$steps" --stride "$stride"
	done
	# (not sanitized: too slow for recordings long enough to simulate on)
	[ -z "${HOTPATH_SANITIZED:-}" ] || continue
	for fx in gencalls.py genasync.py; do
		for pace in 50,50 100,100; do
			step "$py" "$fx" --steps "$((steps * 2))" --stride "$stride" --live "$pace" \
				--max-diff 0.05
		done
	done
done
