"""Summary statistics of an equity curve and a list of fills."""
import math


def returns(curve):
    out = []
    for (_, a), (_, b) in zip(curve, curve[1:]):
        out.append(b / a - 1.0 if a else 0.0)
    return out


def max_drawdown(curve):
    peak, worst = -math.inf, 0.0
    for _, value in curve:
        peak = max(peak, value)
        if peak > 0:
            worst = min(worst, value / peak - 1.0)
    return worst


def sharpe(rets, periods_per_year):
    if len(rets) < 2:
        return 0.0
    mean = sum(rets) / len(rets)
    var = sum((r - mean) ** 2 for r in rets) / (len(rets) - 1)
    if var <= 0:
        return 0.0
    return mean / math.sqrt(var) * math.sqrt(periods_per_year)


def round_trips(fills):
    """Profit of each closed round trip, matching fills per symbol (FIFO average cost)."""
    position, cost, profits = {}, {}, []
    for f in fills:
        pos = position.get(f.symbol, 0)
        if pos == 0 or (pos > 0) == (f.quantity > 0):
            cost[f.symbol] = cost.get(f.symbol, 0.0) + f.quantity * f.price
            position[f.symbol] = pos + f.quantity
            continue
        avg = cost[f.symbol] / pos
        closed = -f.quantity if abs(f.quantity) <= abs(pos) else pos
        profits.append(closed * (f.price - avg) - f.commission)
        position[f.symbol] = pos + f.quantity
        if position[f.symbol] == 0 or (position[f.symbol] > 0) != (pos > 0):
            cost[f.symbol] = position[f.symbol] * f.price
        else:
            cost[f.symbol] = position[f.symbol] * avg
    return profits


def summary(portfolio, periods_per_year):
    curve = portfolio.equity_curve
    final = curve[-1][1] if curve else portfolio.cash
    trips = round_trips(portfolio.fills)
    wins = sum(1 for p in trips if p > 0)
    return {
        "final_equity": final,
        "total_return": final / portfolio.initial - 1.0,
        "sharpe": sharpe(returns(curve), periods_per_year),
        "max_drawdown": max_drawdown(curve),
        "fills": len(portfolio.fills),
        "round_trips": len(trips),
        "win_rate": wins / len(trips) if trips else 0.0,
        "commission": sum(f.commission for f in portfolio.fills),
    }
