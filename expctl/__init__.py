"""expctl: manage PostHog experiments from the command line, scripts and CI."""

__version__ = "0.1.0"

# The variable the shell completion scripts set when they call back into expctl.
COMPLETE_VAR = "_EXPCTL_COMPLETE"
