#!/usr/bin/env python3
"""Regenerate examples/profiles/example.folded: the bundled example profile.

A small order-book simulation samples itself with a CPU-time timer signal
(ITIMER_PROF) and writes py-spy style folded stacks ("func (file:line)"), so
the example is a real profile of real code, not invented numbers.
    python3 examples/profiles/make_example.py > examples/profiles/example.folded
"""
import collections
import os
import random
import signal
import sys

SAMPLES = collections.Counter()


def _file(path):
    """This script's own path relative to the repository, library files by
    their base name, so the example does not depend on the machine."""
    if os.path.abspath(path) == os.path.abspath(__file__):
        return "examples/profiles/make_example.py"
    return os.path.basename(path)


def _sample(signum, frame):
    stack = []
    while frame is not None:
        code = frame.f_code
        name = getattr(code, "co_qualname", code.co_name)
        stack.append(f"{name} ({_file(code.co_filename)}:{frame.f_lineno})")
        frame = frame.f_back
    SAMPLES[";".join(reversed(stack))] += 1


class OrderBook:
    def __init__(self):
        self.bids = []
        self.asks = []

    def insert(self, side, price, qty):
        book = self.bids if side == "buy" else self.asks
        book.append((price, qty))
        book.sort(reverse=(side == "buy"))

    def match(self):
        trades = 0
        while self.bids and self.asks and self.bids[0][0] >= self.asks[0][0]:
            bid, ask = self.bids.pop(0), self.asks.pop(0)
            trades += min(bid[1], ask[1])
        return trades


def generate_orders(rng, n):
    return [("buy" if rng.random() < 0.5 else "sell", round(rng.gauss(100, 2), 2),
             rng.randint(1, 10)) for _ in range(n)]


def moving_average(prices, window):
    return [sum(prices[i - window:i]) / window for i in range(window, len(prices))]


def run_day(rng):
    book = OrderBook()
    volume = 0
    for side, price, qty in generate_orders(rng, 3000):
        book.insert(side, price, qty)
        volume += book.match()
    prices = [p for p, _ in book.bids] + [p for p, _ in book.asks]
    return volume, moving_average(prices, 20)


def main():
    rng = random.Random(7)
    signal.signal(signal.SIGPROF, _sample)
    signal.setitimer(signal.ITIMER_PROF, 0.001, 0.001)
    for _ in range(60):
        run_day(rng)
    signal.setitimer(signal.ITIMER_PROF, 0, 0)
    for stack, count in sorted(SAMPLES.items()):
        if count:
            sys.stdout.write(f"{stack} {count}\n")


if __name__ == "__main__":
    main()
