"""Lodestar orbits."""
