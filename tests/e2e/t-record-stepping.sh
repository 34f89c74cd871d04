# The 3.11 walker against every state of a real target: tests/stepper.c
# single-steps each fixture, records every state the walker may read, and
# replays samples whose reads fall on different states (before, during and
# after the data-stack copy, up to 2000 states apart).  Every stack
# delivered must be one the thread had at some state in between; walks
# that give none are counted, not failed.  Found four walker bugs that live
# runs showed only as shares a few points off (docs/record.md, "Churn").
# STEPPER_STEPS sets the instructions stepped per fixture and Python.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/record_lib.sh"
stepper="$(dirname "$HOTPATH")/tests/hp-stepper"
[ -x "$stepper" ] || skip "no $stepper (built with the tests)"
steps=${STEPPER_STEPS:-60000}
for py in $PYS; do
	for fx in lambdas.py nested.py methods.py gencalls.py genasync.py; do
		set +e
		# a run of up to 30000 instructions inside one C loop (freeing a
		# list) records no state: try again, further on
		for try in 1 2 3; do
			"$stepper" --steps "$steps" -- "$py" "$FIX/$fx" 600 >"$TMP/st.out" 2>&1
			rc=$?
			grep -q 'fewer than two states' "$TMP/st.out" || break
		done
		set -e
		[ $rc -ne 77 ] || skip "$(tail -n 1 "$TMP/st.out")"
		echo "$fx with $py: $(tr '\n' ' ' <"$TMP/st.out" | tail -c 400)"
		[ $rc -eq 0 ] || { cat "$TMP/st.out"; fail "$fx with $py: wrong stacks from replayed states"; }
		grep -q ', bad 0,' "$TMP/st.out" || fail "$fx with $py: no summary"
	done
done
