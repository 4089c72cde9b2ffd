"""The typer commands: parse, validate, call core or api, hand the result to render."""
