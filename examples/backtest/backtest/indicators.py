"""Technical indicators over a list of closing prices (the latest last)."""
import statistics


def sma(closes, n):
    """Simple moving average of the last n closes, or None."""
    if len(closes) < n:
        return None
    window = closes[-n:]
    return sum(window) / n


def momentum(closes, n):
    """Rate of change over n bars, or None."""
    if len(closes) <= n:
        return None
    return closes[-1] / closes[-1 - n] - 1.0


def zscore(closes, n):
    """How many standard deviations the last close is from the mean of the
    last n closes, or None."""
    if len(closes) < n:
        return None
    window = closes[-n:]
    mean = statistics.mean(window)
    sd = statistics.stdev(window)
    if sd == 0:
        return 0.0
    return (closes[-1] - mean) / sd
