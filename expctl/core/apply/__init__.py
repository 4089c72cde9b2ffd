"""`apply`'s pipeline: plan each spec against PostHog, then create, patch and move."""
