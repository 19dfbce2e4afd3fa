"""Engine specs (TOML) and the engines they describe."""
