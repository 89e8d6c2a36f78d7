"""Settings package: `base` plus one module per environment (development, test, production)."""
