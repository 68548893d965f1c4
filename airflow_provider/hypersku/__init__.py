"""HyperSKU: sourcing and fulfilment orders, stock and international logistics."""
