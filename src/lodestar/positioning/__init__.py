"""Lodestar positioning."""
