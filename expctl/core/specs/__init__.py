"""Specs: reading YAML safely, every offline check, overlays, export and read-back."""
