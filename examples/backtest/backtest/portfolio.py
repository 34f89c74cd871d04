"""A portfolio ledger: cash, positions, every fill, and the equity curve."""


class Portfolio:
    def __init__(self, cash=1_000_000.0, risk_per_position=0.02):
        self.initial = cash
        self.cash = cash
        self.positions = {}       # symbol -> shares
        self.last_price = {}      # symbol -> last close seen
        self.fills = []
        self.equity_curve = []    # (time, equity)
        self.risk_per_position = risk_per_position

    def shares_for(self, symbol, direction, price):
        """Shares that bring the position to direction * a fixed share of equity."""
        target_value = self.equity() * self.risk_per_position * direction
        return int(target_value / price) - self.positions.get(symbol, 0)

    def apply(self, fill):
        self.fills.append(fill)
        self.positions[fill.symbol] = self.positions.get(fill.symbol, 0) + fill.quantity
        self.cash -= fill.quantity * fill.price + fill.commission

    def mark(self, bar):
        self.last_price[bar.symbol] = bar.close

    def equity(self):
        value = self.cash
        for symbol, shares in self.positions.items():
            value += shares * self.last_price.get(symbol, 0.0)
        return value

    def record(self, time):
        self.equity_curve.append((time, self.equity()))

    def direction(self, symbol):
        shares = self.positions.get(symbol, 0)
        return (shares > 0) - (shares < 0)
