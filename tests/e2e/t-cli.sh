# The command line: help, version, exit codes, errors, stdout write errors.
. "$E2E_DIR/lib.sh"
"$HOTPATH" --version | grep -q '^hotpath [0-9]' || fail "--version"
"$HOTPATH" help >"$TMP/help" && expect_grep 'top' "$TMP/help"
"$HOTPATH" help top >"$TMP/h1"; "$HOTPATH" top --help >"$TMP/h2"
cmp -s "$TMP/h1" "$TMP/h2" || fail "help top differs from top --help"
expect_exit 2 "$HOTPATH" 2>/dev/null
expect_exit 2 "$HOTPATH" nosuchcommand 2>"$TMP/err"
expect_grep "hotpath: error: unknown command 'nosuchcommand'" "$TMP/err"
expect_exit 2 "$HOTPATH" top --bogus x 2>"$TMP/err"
expect_grep "unknown option '--bogus'" "$TMP/err"
expect_exit 2 "$HOTPATH" top --limit=abc x 2>/dev/null
expect_exit 3 "$HOTPATH" top "$TMP/missing.folded" 2>"$TMP/err"
expect_grep "hotpath: error: cannot open '.*missing.folded'" "$TMP/err"
printf 'a;b 1\n' >"$TMP/in.folded"
# options with '=' or a space, before or after the argument, and '--'
"$HOTPATH" top --limit=1 "$TMP/in.folded" >/dev/null
"$HOTPATH" top "$TMP/in.folded" --limit 1 >/dev/null
"$HOTPATH" top -n1 -- "$TMP/in.folded" >/dev/null
# writing to a full device is an error, not silence
if [ -w /dev/full ]; then
	expect_exit 3 "$HOTPATH" top "$TMP/in.folded" >/dev/full 2>"$TMP/err"
	expect_grep "cannot write" "$TMP/err"
	expect_exit 3 "$HOTPATH" --version >/dev/full 2>/dev/null
fi
