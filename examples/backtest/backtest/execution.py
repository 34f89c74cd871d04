"""Order execution: market orders filled at the bar's close plus slippage,
with a commission per share and a minimum per order."""
from dataclasses import dataclass


@dataclass
class Fill:
    symbol: str
    time: object
    quantity: int
    price: float
    commission: float


class Broker:
    def __init__(self, commission_per_share=0.005, min_commission=1.0, slippage_bps=2.0):
        self.commission_per_share = commission_per_share
        self.min_commission = min_commission
        self.slippage = slippage_bps / 10000.0

    def execute(self, bar, quantity):
        """Fill quantity shares (negative: sell) of bar.symbol."""
        if quantity == 0:
            return None
        side = 1 if quantity > 0 else -1
        price = bar.close * (1 + side * self.slippage)
        # never better than the bar's range
        price = min(max(price, bar.low), bar.high)
        commission = max(abs(quantity) * self.commission_per_share, self.min_commission)
        return Fill(bar.symbol, bar.time, quantity, round(price, 4), round(commission, 4))
