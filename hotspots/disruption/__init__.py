"""Disruption: actions, before-and-after evaluation (WDQ, rate ratio), the briefing and the
CSE meeting pack. Pure functions over frames; `hotspots.db.disruptions` is the database door."""
