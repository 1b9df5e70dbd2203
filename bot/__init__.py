"""Canvass core: platform-neutral domain, rules, anonymity and aggregation."""
