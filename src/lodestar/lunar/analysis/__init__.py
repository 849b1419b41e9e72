"""Lunar analyses over the core: ILRS sites, GNSS at the Moon, the relay, link budgets, sites."""
