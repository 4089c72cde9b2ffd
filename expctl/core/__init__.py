"""Pure logic: lifecycle rules, specs, diff, plan, results statistics. No printing, no I/O."""
