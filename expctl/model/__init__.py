"""What an experiment, its variants, its status and a list row *are*: pure readers of
PostHog's payloads, shared by every layer.

model imports nothing of expctl but ``errors``. api reads it to page and emulate what an
older server lacks; core reads it to decide; render reads it to show. Payloads stay
PostHog's own dicts (``-o json`` passes them through); these functions read them.
"""
