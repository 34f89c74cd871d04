# hotpath flame: the SVG's structure (widths, nesting, order, totals),
# pruning, icicle and reversed layouts, titles, palettes, errors.
. "$E2E_DIR/lib.sh"
# the system python starts in 50 ms, a pyenv shim in 700
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || skip "python3 is needed to parse the SVG"
command -v xmllint >/dev/null || skip "xmllint (Debian libxml2-utils) is needed"
check() { "$PY" "$E2E_DIR/flame-check.py" "$@"; }
# paths and counts only
frames() { check "$@" | grep -v '^#' | cut -f1,2; }

cat >"$TMP/prof.folded" <<'EOF'
main (app.py:1);work (app.py:10);compute (lib.py:5) 40
other_thread;zzz 10
main (app.py:1);work (app.py:10);io (lib.py:20) 10
main (app.py:1);idle (app.py:30) 20
main (app.py:1) 5
main (app.py:1);work (app.py:10);memcpy (libc.so.6);do_syscall_64_[k] 15
EOF
tab=$(printf '\t')

# default output: IN.folded -> IN.svg; well-formed; structure; exact totals
"$HOTPATH" flame "$TMP/prof.folded"
[ -s "$TMP/prof.svg" ] || fail "no default output prof.svg"
xmllint --noout "$TMP/prof.svg" || fail "prof.svg is not well-formed XML"
frames "$TMP/prof.svg" >"$TMP/got"
sed "s/ \([0-9]*\)\$/$tab\1/" >"$TMP/want" <<'EOF'
all 100
all;main (app.py:1) 90
all;main (app.py:1);idle (app.py:30) 20
all;main (app.py:1);work (app.py:10) 65
all;main (app.py:1);work (app.py:10);compute (lib.py:5) 40
all;main (app.py:1);work (app.py:10);io (lib.py:20) 10
all;main (app.py:1);work (app.py:10);memcpy (libc.so.6) 15
all;main (app.py:1);work (app.py:10);memcpy (libc.so.6);do_syscall_64_[k] 15
all;other_thread 10
all;other_thread;zzz 10
EOF
diff "$TMP/want" "$TMP/got" || fail "frames of prof.svg differ from the input's stacks"
check "$TMP/prof.svg" | head -n 1 | grep -q '^# orientation=flame frames=10 total=100 title=Flame Graph ' ||
	fail "header: $(check "$TMP/prof.svg" | head -n 1)"
grep -q '<title>all (100 samples, 100.00%)</title>' "$TMP/prof.svg" || fail "root tooltip"
grep -q '<title>work (app.py:10) (65 samples, 65.00%)</title>' "$TMP/prof.svg" || fail "tooltip format"
grep -qF '<![CDATA[' "$TMP/prof.svg" || fail "no CDATA script"

# -o - writes to standard output; other names get .svg appended
"$HOTPATH" flame "$TMP/prof.folded" -o - >"$TMP/stdout.svg"
cmp -s "$TMP/stdout.svg" "$TMP/prof.svg" || fail "-o - differs from the file output"
cp "$TMP/prof.folded" "$TMP/data.txt"
"$HOTPATH" flame "$TMP/data.txt" && [ -s "$TMP/data.txt.svg" ] || fail "no data.txt.svg"

# colours: by kind with the default palette, deterministic per name
"$PY" - "$TMP/prof.svg" <<'EOF' || fail "colours by frame kind"
import sys, re
fills = {}
for line in open(sys.argv[1]):
    m = re.search(r'<title>(.*?) \(\d.*?</title><rect [^>]*fill="#(..)(..)(..)"', line)
    if m:
        fills[m.group(1)] = tuple(int(x, 16) for x in m.group(2, 3, 4))
def is_green(c): return c[1] >= 200 and c[0] == c[2]          # python
def is_yellow(c): return c[0] == c[1] and 50 <= c[2] < 70     # native
def is_orange(c): return c[2] == 0 and c[0] >= 190            # kernel
def is_hot(c): return c[0] >= 205 and c[2] <= 55              # other
assert all(is_green(fills[n]) for n in fills if ".py:" in n), fills
assert is_yellow(fills["memcpy (libc.so.6)"]), fills
assert is_orange(fills["do_syscall_64_[k]"]), fills
assert is_hot(fills["zzz"]) and is_hot(fills["other_thread"]), fills
EOF
printf 'x;compute (lib.py:99);y 3\n' >"$TMP/other.folded"
"$HOTPATH" flame "$TMP/other.folded"
c1=$(check "$TMP/prof.svg" | awk -F'\t' '$1 ~ /;compute \(lib\.py:5\)$/ { print $3 }')
c2=$(check "$TMP/other.svg" | awk -F'\t' '$1 ~ /;compute \(lib\.py:99\)$/ { print $3 }')
[ -n "$c1" ] && [ "$c1" = "$c2" ] || fail "a function's colour differs across graphs: $c1 $c2"
"$HOTPATH" flame --palette blue "$TMP/prof.folded" -o "$TMP/blue.svg"
check "$TMP/blue.svg" | grep -v '^#' | cut -f3 | "$PY" -c '
import sys
for h in sys.stdin.read().split():
    r, g, b = (int(h[i:i + 2], 16) for i in (1, 3, 5))
    assert r == g and b >= 205, h' || fail "blue palette"
for pal in hot mem io red green aqua yellow purple orange; do
	"$HOTPATH" flame --palette "$pal" "$TMP/prof.folded" -o "$TMP/pal.svg" || fail "palette $pal"
done

# pruning: frames narrower than minwidth go, with their subtrees; every
# remaining frame keeps its count (work stays 65 without io's 10)
"$HOTPATH" flame --minwidth 12% "$TMP/prof.folded" -o "$TMP/pct.svg"
frames "$TMP/pct.svg" >"$TMP/pct"
grep -v -e 'io (lib' -e other_thread "$TMP/want" >"$TMP/want-pct"
diff "$TMP/want-pct" "$TMP/pct" || fail "--minwidth 12% kept the wrong frames"
"$HOTPATH" flame --minwidth 130 "$TMP/prof.folded" -o "$TMP/px.svg"
frames "$TMP/px.svg" | diff "$TMP/want-pct" - || fail "--minwidth 130 (pixels) kept the wrong frames"
"$HOTPATH" flame --minwidth 0 "$TMP/prof.folded" -o "$TMP/zero.svg"
frames "$TMP/zero.svg" | diff "$TMP/want" - || fail "--minwidth 0 dropped frames"
# pruning never moves frames that stay in place other than packing: widths equal
check "$TMP/pct.svg" | grep 'work (app.py:10)	' | cut -f1,2 | grep -q '	65$' || fail "parent total changed by pruning"

# icicle: same frames, root at the top, its own default title
"$HOTPATH" flame --inverted "$TMP/prof.folded" -o "$TMP/icicle.svg"
check "$TMP/icicle.svg" | head -n 1 | grep -q '^# orientation=icicle .* title=Icicle Graph ' ||
	fail "--inverted: $(check "$TMP/icicle.svg" | head -n 1)"
frames "$TMP/icicle.svg" | diff "$TMP/want" - || fail "--inverted changed the frames"

# reverse: stacks merged from the leaf
"$HOTPATH" flame --reverse "$TMP/prof.folded" -o "$TMP/rev.svg"
frames "$TMP/rev.svg" >"$TMP/got-rev"
sed "s/ \([0-9]*\)\$/$tab\1/" >"$TMP/want-rev" <<'EOF'
all 100
all;compute (lib.py:5) 40
all;compute (lib.py:5);work (app.py:10) 40
all;compute (lib.py:5);work (app.py:10);main (app.py:1) 40
all;do_syscall_64_[k] 15
all;do_syscall_64_[k];memcpy (libc.so.6) 15
all;do_syscall_64_[k];memcpy (libc.so.6);work (app.py:10) 15
all;do_syscall_64_[k];memcpy (libc.so.6);work (app.py:10);main (app.py:1) 15
all;idle (app.py:30) 20
all;idle (app.py:30);main (app.py:1) 20
all;io (lib.py:20) 10
all;io (lib.py:20);work (app.py:10) 10
all;io (lib.py:20);work (app.py:10);main (app.py:1) 10
all;main (app.py:1) 5
all;zzz 10
all;zzz;other_thread 10
EOF
diff "$TMP/want-rev" "$TMP/got-rev" || fail "--reverse frames"

# titles and count name are escaped, and come back as the same text
"$HOTPATH" flame --title '<b>&"T"'"'"'</b>' --subtitle ']]> <sub>' --countname 'µs <&>' \
	"$TMP/prof.folded" -o "$TMP/titles.svg"
xmllint --noout "$TMP/titles.svg" || fail "titles: not well-formed"
check "$TMP/titles.svg" | head -n 1 | grep -qF "title=<b>&\"T\"'</b> subtitle=]]> <sub>" ||
	fail "titles: $(check "$TMP/titles.svg" | head -n 1)"
grep -qF '<title>all (100 µs &lt;&amp;&gt;, 100.00%)</title>' "$TMP/titles.svg" || fail "count name"
grep -qF '&lt;b&gt;&amp;&quot;T&quot;&#39;&lt;/b&gt;' "$TMP/titles.svg" || fail "title not escaped"

# hostile frame names: well-formed, nothing inside the script
printf 'main;<script>alert(1)</script> 5\nmain;]]><script>alert(2)</script> 3\nmain;a&b "q" '"'"'s'"'"' 2\nmain;bad \377\376\303 utf8 1\nmain;ctl \001\033 x 1\n' >"$TMP/hostile.folded"
"$HOTPATH" flame "$TMP/hostile.folded" -o "$TMP/hostile.svg"
xmllint --noout "$TMP/hostile.svg" || fail "hostile names: not well-formed XML"
check --unsorted "$TMP/hostile.svg" >"$TMP/hostile.txt" || fail "hostile names: structure"
grep -qF 'all;main;<script>alert(1)</script>	5' "$TMP/hostile.txt" || fail "hostile name not kept as text"
"$PY" - "$TMP/hostile.svg" <<'EOF' || fail "user text inside the script"
import sys
s = open(sys.argv[1], encoding="utf-8").read()
start = s.index("<![CDATA[")
end = s.index("]]>", start)
assert s.count("<![CDATA[") == 1
assert "alert" not in s[start:end] and "utf8" not in s[start:end]
assert s.count("<script") == 1
EOF

# counts: thousands separators, decimals; differential input draws "after"
printf 'a;b 1234567\na;c 0.25\n' >"$TMP/big.folded"
"$HOTPATH" flame --minwidth 0 "$TMP/big.folded"
grep -qF '<title>all (1,234,567.25 samples, 100.00%)</title>' "$TMP/big.svg" || fail "thousands separators"
grep -qF '<title>c (0.25 samples, 0.00%)</title>' "$TMP/big.svg" || fail "decimal counts"
printf 'a;b 5 7\na;c 3 1\n' >"$TMP/diff.folded"
"$HOTPATH" flame "$TMP/diff.folded"
frames "$TMP/diff.svg" | grep -q "^all${tab}8\$" || fail "differential input: 'after' column"
"$HOTPATH" flame --weight before "$TMP/diff.folded" -o "$TMP/before.svg"
frames "$TMP/before.svg" | grep -q "^all${tab}8\$" || fail "--weight before"
frames "$TMP/before.svg" | grep -q "^all;a;b${tab}5\$" || fail "--weight before: b"

# size options
"$HOTPATH" flame --width 600 --height 20 --fontsize 10 "$TMP/prof.folded" -o "$TMP/small.svg"
grep -q '<svg [^>]*width="600"' "$TMP/small.svg" || fail "--width"
grep -q 'data-fh="20" data-fs="10"' "$TMP/small.svg" || fail "--height/--fontsize"
check "$TMP/small.svg" >/dev/null || fail "--width 600 structure"

# empty input: a valid SVG that says so, and a warning
: >"$TMP/empty.folded"
"$HOTPATH" flame "$TMP/empty.folded" 2>"$TMP/err"
expect_grep "no samples to draw" "$TMP/err"
xmllint --noout "$TMP/empty.svg" || fail "empty: not well-formed"
expect_grep "No samples to draw" "$TMP/empty.svg"

# malformed lines: skipped with a warning, or an error with --strict
printf 'a;b 3\nnot a stack line\n' >"$TMP/bad.folded"
"$HOTPATH" flame "$TMP/bad.folded" 2>"$TMP/err"
expect_grep "skipped 1 malformed line" "$TMP/err"
expect_exit 3 "$HOTPATH" flame --strict "$TMP/bad.folded" 2>"$TMP/err"

# usage and runtime errors
expect_exit 2 "$HOTPATH" flame 2>/dev/null
expect_exit 2 "$HOTPATH" flame a.folded b.folded 2>/dev/null
expect_exit 2 "$HOTPATH" flame --palette nope "$TMP/prof.folded" 2>"$TMP/err"
expect_grep "unknown palette 'nope'" "$TMP/err"
expect_exit 2 "$HOTPATH" flame --minwidth abc "$TMP/prof.folded" 2>/dev/null
expect_exit 2 "$HOTPATH" flame --minwidth 150% "$TMP/prof.folded" 2>/dev/null
expect_exit 2 "$HOTPATH" flame --width 5 "$TMP/prof.folded" 2>/dev/null
expect_exit 3 "$HOTPATH" flame --weight nope "$TMP/prof.folded" 2>"$TMP/err"
expect_grep "no weight column 'nope'" "$TMP/err"
expect_exit 3 "$HOTPATH" flame "$TMP/missing.folded" -o "$TMP/m.svg" 2>/dev/null
[ ! -e "$TMP/m.svg" ] || fail "output written for a missing input"
"$HOTPATH" help flame | grep -q -- '--minwidth' || fail "help flame"
