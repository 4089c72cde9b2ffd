"""What ``list``, ``get`` and ``results`` do once their options are parsed.

These three are what scripts run most, so they also run without typer (``cli/quick``):
the typer command and the quick path both call the function here, with the same
keyword arguments, and nothing here imports typer.
"""
