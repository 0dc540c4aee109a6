"""The synthetic demo clinic: realistic, deterministic per seed, no real patient."""
