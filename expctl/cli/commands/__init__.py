"""One room per command group: parse options, wire api into core, hand the result to render."""
