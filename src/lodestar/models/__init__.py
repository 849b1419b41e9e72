"""Measurement models shared by every estimator (single-point and precise point positioning).

``geometry`` (Earth rotation, line of sight), ``troposphere`` (Saastamoinen + mapping),
``ionosphere`` (broadcast Klobuchar, GPS and BeiDou variants). Antenna phase centres, attitude,
phase wind-up, tides and relativity join them here: one model, one module, every estimator.
"""
