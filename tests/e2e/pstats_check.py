"""Compare `hotpath top FILE.pstats` with python's own pstats module.

usage: python3 pstats_check.py HOTPATH FILE.pstats

Runs hotpath with several sort keys, limits, filters and the callers/callees
views, runs the same report through pstats.Stats in this interpreter, and
requires byte-identical text.  Also checks the JSON rows (numbers and order)
against pstats' sorted list.  Exits non-zero with a diff on a mismatch.
"""
import difflib
import io
import json
import pstats
import subprocess
import sys


def pstats_text(path, sort, method, *amount):
    out = io.StringIO()
    st = pstats.Stats(path, stream=out)
    st.sort_stats(*sort.split(","))
    getattr(st, method)(*amount)
    return out.getvalue()


def hotpath(hp, *args):
    r = subprocess.run([hp, "top", *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"FAIL: hotpath top {' '.join(args)}: exit {r.returncode}: {r.stderr}")
    return r.stdout


def compare(label, got, want):
    if got != want:
        diff = difflib.unified_diff(want.splitlines(), got.splitlines(), "pstats", "hotpath", lineterm="")
        sys.exit(f"FAIL: {label}\n" + "\n".join(list(diff)[:60]))
    print(f"ok: {label}")


def main():
    hp, path = sys.argv[1], sys.argv[2]
    cases = [
        (["-n", "20"], "cumulative", "print_stats", (20,)),
        (["-n", "0", "--sort", "tottime"], "tottime", "print_stats", ()),
        (["-n", "15", "--sort", "ncalls"], "ncalls", "print_stats", (15,)),
        (["-n", "0", "--sort", "name"], "name", "print_stats", ()),
        (["-n", "0", "--sort", "file"], "filename", "print_stats", ()),
        (["-n", "0", "--sort", "pcalls,line"], "pcalls,line", "print_stats", ()),
        (["-n", "0", "--sort", "nfl"], "nfl", "print_stats", ()),
        (["-n", "0", "--sort", "stdname"], "stdname", "print_stats", ()),
        (["-n", "5", "--filter", "prog"], "cumulative", "print_stats", ("prog", 5)),
        (["-n", "5", "--filter", "nomatch_xyz"], "cumulative", "print_stats", ("nomatch_xyz", 5)),
        (["-n", "0", "--callers", "fib|leaf|g.*e"], "cumulative", "print_callers", ("fib|leaf|g.*e",)),
        (["-n", "3", "--sort", "tottime", "--callers", "."], "tottime", "print_callers", (".", 3)),
        (["-n", "0", "--callees", "main|middle|meth"], "cumulative", "print_callees", ("main|middle|meth",)),
        (["-n", "0", "--callers", "."], "cumulative", "print_callers", (".",)),
    ]
    for args, sort, method, amount in cases:
        compare(f"top {' '.join(args)}", hotpath(hp, path, *args), pstats_text(path, sort, method, *amount))

    # JSON: the same rows, numbers and order as pstats' sorted list
    st = pstats.Stats(path, stream=io.StringIO()).sort_stats("cumulative")
    rows = json.loads(hotpath(hp, path, "-n", "0", "--format", "json"))
    assert rows["total_calls"] == st.total_calls, (rows["total_calls"], st.total_calls)
    assert rows["primitive_calls"] == st.prim_calls
    assert rows["total_time"] == st.total_tt
    assert len(rows["functions"]) == len(st.fcn_list)
    for row, func in zip(rows["functions"], st.fcn_list):
        cc, nc, tt, ct, _ = st.stats[func]
        got = (row["file"], row["line"], row["function"], row["primitive_calls"], row["ncalls"],
               row["tottime"], row["cumtime"])
        assert got == (*func, cc, nc, tt, ct), (got, func, (cc, nc, tt, ct))
    print("ok: json rows")
    # CSV: a header and one row per function
    csv_text = hotpath(hp, path, "-n", "0", "--format", "csv")
    assert csv_text.splitlines()[0].startswith("name,file,line,function,ncalls")
    assert len(csv_text.splitlines()) == len(st.fcn_list) + 1
    print("ok: csv rows")


if __name__ == "__main__":
    main()
