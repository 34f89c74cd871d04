# hotpath record: accuracy of stacks, names and lines on both CPython builds.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/record_lib.sh"
for py in $PYS; do
	for run in 1 2 3; do
		SECS=1.5 record_check "$py" nested.py -r 1000
	done
	# generators: enough samples for the share bound to mean something
	SECS=1.5 record_check "$py" genasync.py -r 500
	SECS=0.8 CHILD=--no-share record_check "$py" genasync.py -r 300
	# a generator calling a function: the live share needs the call
	# sites learnt in the first samples, so a longer run
	SECS=1.5 record_check "$py" gencalls.py -r 500
	for fx in methods.py recursion.py lambdas.py 'ünïcødé_名前.py'; do
		for run in 1 2; do
			record_check "$py" "$fx" -r 300
		done
	done
done
