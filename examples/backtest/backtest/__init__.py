"""A small back-testing package in plain Python (standard library only).

It generates deterministic synthetic OHLCV bars, runs three strategies over
them (SMA crossover, momentum, mean reversion), fills their orders with
commission and slippage, keeps a portfolio ledger per strategy and prints
summary statistics.  It is the example hotpath profiles in `make demo`: it is
written the plain way such code usually is, hot spots included.
"""

DATASETS = {
    # name: (bar length in minutes, number of bars, number of assets)
    # daily: 2 years of trading days for 50 assets
    "daily": (1440, 2 * 252, 50),
    # hourly: 6 months of 7-hour trading days for 20 assets
    "hourly": (60, 126 * 7, 20),
    # minute: 1 month of 390-minute sessions for 10 assets
    "minute": (1, 21 * 390, 10),
}
