"""Licences: SPDX expressions (expressions.py) and the policy's verdicts (policy.py) are pure; the stored policy."""
