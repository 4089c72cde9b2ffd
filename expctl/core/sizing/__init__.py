"""Sample sizes: the formulas, and where a running experiment stands against them."""
