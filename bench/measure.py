#!/usr/bin/env python3
"""Run a command several times; print median wall time and peak RSS.

usage: measure.py LABEL RUNS -- COMMAND [ARGS...]
Prints one line: LABEL: median X.XXX s (min .., max ..), peak RSS median N MB
Each run's rusage comes from os.wait4, so RSS is the command's own.
"""
import os
import statistics
import sys
import time


def main():
    label, runs = sys.argv[1], int(sys.argv[2])
    argv = sys.argv[sys.argv.index("--") + 1:]
    walls, rss = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            fd = os.open(os.devnull, os.O_WRONLY)
            os.dup2(fd, 1)
            try:
                os.execvp(argv[0], argv)
            finally:
                os._exit(127)
        _, status, ru = os.wait4(pid, 0)
        walls.append(time.perf_counter() - t0)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{label}: command failed: {argv}")
        rss.append(ru.ru_maxrss / 1024.0)
    print(f"{label}: median {statistics.median(walls):.3f} s "
          f"(min {min(walls):.3f}, max {max(walls):.3f}, {runs} runs), "
          f"peak RSS median {statistics.median(rss):.1f} MB")
    return statistics.median(walls), statistics.median(rss)


if __name__ == "__main__":
    main()
