"""Everything that turns data into text: tables, TSV, JSON, YAML, results. No network."""
