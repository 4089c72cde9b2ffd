"""Where settings come from: flags, environment, keyring, config file, defaults. No network."""
