"""Lodestar analysis."""
