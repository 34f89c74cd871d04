#!/usr/bin/env python3
"""Generate a large, realistic folded-stack file for the flame graph tests.

usage: flame-gen.py OUT.folded [STACKS] [SEED]

Stacks are random walks over a fixed call graph (a few thousand functions,
each calling a handful of others with Zipf-like preferences), with depths
between 5 and 40, so prefixes are shared near the root and stacks become
unique towards the leaves, as in a real program.  Counts are heavy-tailed.
Output is deterministic for a given STACKS and SEED.  With the defaults
(200,000 unique stacks) the file is about 80 MB.
"""
import random
import sys


def main():
    out = sys.argv[1]
    want = int(sys.argv[2]) if len(sys.argv) > 2 else 200000
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)

    nfuncs = 4000
    mods = ["m%d.py" % i for i in range(100)]
    names = []
    for i in range(nfuncs):
        mod = rng.choice(mods)
        names.append("%s (%s:%d)" % (rng.choice(["f", "g", "h"])
                                     + str(i), mod, rng.randint(1, 99)))
    callees = [[rng.randrange(nfuncs) for _ in range(rng.randint(2, 9))] for _ in range(nfuncs)]
    roots = [rng.randrange(nfuncs) for _ in range(3)]

    seen = set()
    lines = []
    while len(lines) < want:
        depth = rng.randint(5, 40)
        f = roots[min(int(rng.paretovariate(1.5)) - 1, 2)]
        stack = [f]
        for _ in range(depth - 1):
            c = callees[f]
            # Zipf-like: the first callees are the usual ones
            f = c[min(int(rng.paretovariate(1.2)) - 1, len(c) - 1)]
            stack.append(f)
        key = tuple(stack)
        if key in seen:
            continue
        seen.add(key)
        count = int(rng.paretovariate(1.1))
        lines.append(";".join(names[x] for x in stack) + " %d\n" % count)
    with open(out, "w") as fp:
        fp.writelines(lines)


if __name__ == "__main__":
    main()
