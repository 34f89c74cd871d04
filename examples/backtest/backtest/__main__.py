"""python3 -m backtest [--dataset daily|hourly|minute] [--seed N] [--assets N] [--bars N]"""
import argparse
import sys
import time

from . import DATASETS, data, engine, stats, strategies


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m backtest", description=__doc__)
    ap.add_argument("--dataset", choices=sorted(DATASETS), default="daily")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--assets", type=int, help="number of assets (default: the dataset's)")
    ap.add_argument("--bars", type=int, help="bars per asset (default: the dataset's)")
    ap.add_argument("--timing", action="store_true", help="print the time of each phase on stderr")
    args = ap.parse_args(argv)

    minutes, count, assets = DATASETS[args.dataset]
    count = args.bars or count
    assets = args.assets or assets
    t0 = time.perf_counter()
    bars = data.generate(args.dataset, minutes, count, assets, seed=args.seed)
    t1 = time.perf_counter()
    books = engine.run(bars, strategies.all_strategies(minutes))
    t2 = time.perf_counter()
    periods = 252 if minutes >= 1440 else 252 * (7 if minutes == 60 else 390)
    print("backtest %s: %d assets x %d bars, seed %d" % (args.dataset, assets, count, args.seed))
    print("%-15s %14s %9s %7s %9s %6s %7s %6s %11s" % (
        "strategy", "final equity", "return", "sharpe", "max dd", "fills", "trips", "win", "commission"))
    for name, book in books.items():
        s = stats.summary(book, periods)
        print("%-15s %14.2f %8.2f%% %7.3f %8.2f%% %6d %7d %5.1f%% %11.2f" % (
            name, s["final_equity"], 100 * s["total_return"], s["sharpe"], 100 * s["max_drawdown"],
            s["fills"], s["round_trips"], 100 * s["win_rate"], s["commission"]))
    if args.timing:
        print("generate %.2f s, backtest %.2f s" % (t1 - t0, t2 - t1), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
