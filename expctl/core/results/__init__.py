"""Results as PostHog computed them: verdicts, settings, health, freshness, daily series."""
