"""Experiment metrics: the shorthand, its exact compression, schema checks and edits."""
