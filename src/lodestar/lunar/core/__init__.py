"""The lunar numerical core: ephemerides, orientation, gravity, propagation, two-body helpers."""
