"""Security advisories (OSV): parsing and version matching are pure (osv.py, matching.py); import, match and triage."""
