"""The command-line machinery: the root app, the runtime, messages, prompts, completion, typer's quirks."""
