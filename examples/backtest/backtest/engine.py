"""The event loop: bars of every asset in time order, each strategy with its
own portfolio."""
from .execution import Broker
from .portfolio import Portfolio


def merge_bars(data):
    """All bars of all assets, ordered by time then symbol."""
    bars = [bar for series in data.values() for bar in series]
    bars.sort(key=lambda b: (b.time, b.symbol))
    return bars


def run(data, strategies):
    broker = Broker()
    books = {s.name: Portfolio() for s in strategies}
    current_time = None
    for bar in merge_bars(data):
        if current_time is not None and bar.time != current_time:
            for book in books.values():
                book.record(current_time)
        current_time = bar.time
        for strategy in strategies:
            book = books[strategy.name]
            book.mark(bar)
            want = strategy.target(bar, book.direction(bar.symbol))
            if want != book.direction(bar.symbol) or (want == 0 and book.positions.get(bar.symbol)):
                quantity = book.shares_for(bar.symbol, want, bar.close)
                fill = broker.execute(bar, quantity)
                if fill:
                    book.apply(fill)
    for book in books.values():
        book.record(current_time)
    return books
