# Sourced by every tests/e2e/t-*.sh.  Provides $HOTPATH, a private $TMP
# folder removed on exit, and small assertion helpers.
set -eu
: "${HOTPATH:?run through tests/e2e/run.sh}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
ROOT=$(cd "$E2E_DIR/../.." && pwd)
# work in the private folder: nothing a test runs (the default history
# store profiles/history.db, say) writes into the source tree
cd "$TMP"

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "skip: $*"; exit 77; }
# expect_exit CODE cmd...: run cmd, require that exit status
expect_exit() {
	want=$1; shift
	set +e; "$@"; got=$?; set -e
	[ "$got" = "$want" ] || fail "expected exit $want, got $got: $*"
}
# expect_grep PATTERN FILE
expect_grep() { grep -q -- "$1" "$2" || { echo "--- $2:"; head -n 40 "$2"; fail "'$1' not found in $2"; }; }
