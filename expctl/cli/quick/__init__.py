"""``list``, ``get`` and ``results`` without typer: the commands scripts run most.

Importing typer (and building its command) costs about as much as importing httpx, so
for these three the entry point parses the command line itself when it is plain (known
options and values only) and calls the same function the typer command calls
(``cli/views``). Anything else (help, a misspelt option, a value typer would refuse)
goes to typer, which says what it says for every command. ``tests/cli/test_quick.py``
checks that this table is the typer commands' options, and that both paths answer alike.
"""
