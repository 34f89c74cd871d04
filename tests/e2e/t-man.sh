# The man page (doc/hotpath.1, made by doc/mkman.py from `hotpath help`):
# it renders without warnings and has a section for every command.
. "$E2E_DIR/lib.sh"
command -v groff >/dev/null || skip "groff not installed (make deps installs groff-base)"
page=$(dirname "$HOTPATH")/doc/hotpath.1
[ -f "$page" ] || fail "no man page at $page (the build makes it)"
# the generator is deterministic: made again now, it is the same page
python3 "$ROOT/doc/mkman.py" "$HOTPATH" "$TMP/hotpath.1"
cmp "$page" "$TMP/hotpath.1" || fail "$page is out of date with the program's help text"
groff -man -Tutf8 -ww -P-cbou "$page" >"$TMP/man.txt" 2>"$TMP/warn.txt"
[ ! -s "$TMP/warn.txt" ] || { cat "$TMP/warn.txt"; fail "groff warns about the man page"; }
if command -v man >/dev/null; then
	MANWIDTH=100 man -l "$page" >"$TMP/man2.txt" 2>/dev/null || fail "man -l cannot show the page"
	expect_grep "HOTPATH(1)" "$TMP/man2.txt"
fi
"$HOTPATH" help | sed -n '/^commands:/,/^$/p' | awk 'NF >= 2 {print $1}' >"$TMP/cmds.txt"
[ "$(wc -l <"$TMP/cmds.txt")" -ge 8 ] || fail "too few commands in 'hotpath help'"
while read -r c; do
	grep -q "^   hotpath $c\$" "$TMP/man.txt" || fail "no section for 'hotpath $c' in the man page"
	"$HOTPATH" help "$c" | sed -n '/^options:/,$p' | grep -o -- '--[a-z][a-z-]*' | sort -u >"$TMP/opts.txt"
	while read -r o; do
		grep -q -- "$o" "$TMP/man.txt" || fail "option $o of $c is missing from the man page"
	done <"$TMP/opts.txt"
done <"$TMP/cmds.txt"
expect_grep "EXIT STATUS" "$TMP/man.txt"
