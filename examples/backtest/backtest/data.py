"""Deterministic synthetic OHLCV bars.

Prices follow a geometric random walk whose drift and volatility switch
between regimes now and then, so that trend-following and mean-reverting
strategies both find something to trade.  Every asset has its own
random.Random seeded from (seed, symbol), so the data do not depend on the
order assets are generated in, nor on PYTHONHASHSEED.
"""
import datetime
import math
import random
from dataclasses import dataclass


@dataclass
class Bar:
    symbol: str
    time: datetime.datetime
    open: float
    high: float
    low: float
    close: float
    volume: int


START = datetime.datetime(2022, 1, 3, 9, 30)


def trading_times(minutes, count):
    """Bar start times: weekdays only; intraday bars within a 09:30 session."""
    times = []
    day = START
    per_day = 1 if minutes >= 1440 else (390 // minutes if minutes < 60 else 7)
    while len(times) < count:
        if day.weekday() < 5:
            for i in range(per_day):
                if len(times) == count:
                    break
                times.append(day + datetime.timedelta(minutes=i * min(minutes, 60)))
        day += datetime.timedelta(days=1)
    return times


def symbol_name(i):
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "SYN" + letters[i // 26 % 26] + letters[i % 26]


def generate_asset(symbol, times, minutes, seed):
    rng = random.Random("%s/%s/%d" % (seed, symbol, minutes))
    # per-bar scale of a yearly drift and volatility
    bars_per_year = 252 * (1440 // minutes if minutes < 1440 else 1) if minutes < 60 else 252 * 7
    if minutes >= 1440:
        bars_per_year = 252
    price = rng.uniform(20.0, 200.0)
    drift, vol = rng.uniform(-0.1, 0.25), rng.uniform(0.15, 0.45)
    bars = []
    for t in times:
        if rng.random() < 0.01:  # a new regime
            drift, vol = rng.uniform(-0.3, 0.4), rng.uniform(0.1, 0.6)
        dt = 1.0 / bars_per_year
        ret = (drift - 0.5 * vol * vol) * dt + vol * math.sqrt(dt) * rng.gauss(0.0, 1.0)
        open_ = price
        close = price * math.exp(ret)
        spread = abs(close - open_) + price * vol * math.sqrt(dt) * rng.random()
        high = max(open_, close) + spread * rng.random()
        low = min(open_, close) - spread * rng.random()
        volume = int(rng.lognormvariate(11.0, 0.5))
        bars.append(Bar(symbol, t, round(open_, 4), round(high, 4), round(max(low, 0.01), 4),
                        round(close, 4), volume))
        price = close
    return bars


def generate(dataset, minutes, count, assets, seed=7):
    """{symbol: [Bar, ...]} for `assets` assets of `count` bars each."""
    times = trading_times(minutes, count)
    return {symbol_name(i): generate_asset(symbol_name(i), times, minutes, seed)
            for i in range(assets)}
