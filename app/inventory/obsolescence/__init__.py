"""Obsolescence of SOUP versions (IEC 62304 9, post-market): how far each version is behind its registry's latest,
and whether the registry has yanked or deprecated it. Pure core in currency.py; stored per exact version."""
