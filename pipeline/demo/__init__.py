"""The demo census generator (offline, seeded) and scale data."""
