"""expctl: manage PostHog experiments from the command line, scripts and CI."""

__version__ = "0.1.0"
