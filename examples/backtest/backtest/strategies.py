"""Three strategies.  Each sees one asset's bars as they arrive and returns
the position it wants: +1 long, -1 short, 0 flat."""
from . import indicators


class Strategy:
    name = "strategy"

    def __init__(self):
        self.history = {}

    def closes(self, bar):
        closes = self.history.setdefault(bar.symbol, [])
        closes.append(bar.close)
        return closes

    def target(self, bar, current):
        raise NotImplementedError


class SMACrossover(Strategy):
    """Long when the fast average is above the slow one, flat otherwise."""
    name = "sma_crossover"

    def __init__(self, fast=50, slow=200):
        super().__init__()
        self.fast, self.slow = fast, slow

    def target(self, bar, current):
        closes = self.closes(bar)
        fast = indicators.sma(closes, self.fast)
        slow = indicators.sma(closes, self.slow)
        if fast is None or slow is None:
            return 0
        return 1 if fast > slow else 0


class Momentum(Strategy):
    """Follow the sign of the 20-bar rate of change, with a dead band."""
    name = "momentum"

    def __init__(self, lookback=20, band=0.02):
        super().__init__()
        self.lookback, self.band = lookback, band

    def target(self, bar, current):
        roc = indicators.momentum(self.closes(bar), self.lookback)
        if roc is None:
            return 0
        if roc > self.band:
            return 1
        if roc < -self.band:
            return -1
        return current


class MeanReversion(Strategy):
    """Buy 2 sigma below the 20-bar mean, sell 2 sigma above, exit at the mean."""
    name = "mean_reversion"

    def __init__(self, lookback=20, entry=2.0):
        super().__init__()
        self.lookback, self.entry = lookback, entry

    def target(self, bar, current):
        z = indicators.zscore(self.closes(bar), self.lookback)
        if z is None:
            return 0
        if z < -self.entry:
            return 1
        if z > self.entry:
            return -1
        if current > 0 and z >= 0 or current < 0 and z <= 0:
            return 0
        return current


def all_strategies(bar_minutes=1440):
    """The three strategies; the momentum dead band shrinks with the bar
    length (2 % for daily bars), as price moves do."""
    band = 0.02 * min(1.0, (bar_minutes / 1440.0) ** 0.5)
    return [SMACrossover(), Momentum(band=band), MeanReversion()]
