"""Check a .pstats file written by `hotpath convert` against its folded input.

usage: python3 convert_check.py IN.folded OUT.pstats SECONDS_PER_SAMPLE

Loads OUT with python's own pstats and recomputes, independently and in the
simplest way, every number from the folded stacks: per function (file,
name) self time (leaf), cumulative time (once per stack), nc (every frame),
cc (once per stack); per caller edge (adjacent frames) nc, cc, tt, ct.
"""
import math
import pstats
import re
import sys
from collections import defaultdict

folded, out, unit = sys.argv[1], sys.argv[2], float(sys.argv[3])
FRAME = re.compile(r"^(.*) \((.*?)(?::(\d+))?\)$")


def fn_of(text):
    m = FRAME.match(text)
    if not m:
        return ("~", text)
    return (m.group(2), m.group(1))


lines = defaultdict(set)
F = defaultdict(lambda: [0, 0, 0.0, 0.0])  # nc, cc, tt, ct
E = defaultdict(lambda: [0, 0, 0.0, 0.0])
for raw in open(folded, encoding="utf-8"):
    raw = raw.rstrip("\n")
    if not raw:
        continue
    stack, count = raw.rsplit(" ", 1)
    count = int(count)
    t = count * unit
    frames = stack.split(";")
    for fr in frames:
        m = FRAME.match(fr)
        if m and m.group(3):
            lines[fn_of(fr)].add(int(m.group(3)))
    fns = [fn_of(f) for f in frames]
    for f in fns:
        F[f][0] += count
    for f in set(fns):
        F[f][1] += count
        F[f][3] += t
    F[fns[-1]][2] += t
    pairs = list(zip(fns, fns[1:]))
    for p in pairs:
        E[p][0] += count
    for p in set(pairs):
        E[p][1] += count
        E[p][3] += t
    if pairs:
        E[pairs[-1]][2] += t


def key(f):
    if f[0] == "~":
        return ("~", 0, f[1])
    return (f[0], min(lines[f]) if lines[f] else 0, f[1])


st = pstats.Stats(out).stats
want = {key(f): v for f, v in F.items()}
if set(st) != set(want):
    sys.exit(f"FAIL: functions differ:\n got {sorted(st)}\nwant {sorted(want)}")
by_callee = defaultdict(dict)
for (a, b), v in E.items():
    by_callee[key(b)][key(a)] = v
close = lambda a, b: math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
for k, (cc, nc, tt, ct, callers) in st.items():
    wnc, wcc, wtt, wct = want[k]
    if (nc, cc) != (wnc, wcc) or not close(tt, wtt) or not close(ct, wct):
        sys.exit(f"FAIL: {k}: got nc={nc} cc={cc} tt={tt} ct={ct}, want {wnc} {wcc} {wtt} {wct}")
    wcallers = by_callee[k]
    if set(callers) != set(wcallers):
        sys.exit(f"FAIL: callers of {k}: got {sorted(callers)}, want {sorted(wcallers)}")
    for c, (cnc, ccc, ctt, cct) in callers.items():
        w = wcallers[c]
        if (cnc, ccc) != (w[0], w[1]) or not close(ctt, w[2]) or not close(cct, w[3]):
            sys.exit(f"FAIL: {c} -> {k}: got {(cnc, ccc, ctt, cct)}, want {tuple(w)}")
total = sum(v[2] for v in st.values())
print(f"ok: {len(st)} functions, {sum(len(v[4]) for v in st.values())} edges, {total:.6f} s")
