"""Anomaly reviews of exact component versions (IEC 62304 7.1.3): when one is due (rules.py, pure), recording them."""
