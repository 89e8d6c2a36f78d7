"""Deployment tooling: the image, migrations, and the local production stack (deploy/stack)."""
