"""PostHog's REST API over httpx: auth, retries, rate limits, paging, errors. Never prints."""
