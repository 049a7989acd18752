"""SOUP traceability (IEC 62304 5.3.3, 5.3.4, 5.1.11): requirement records per component version, test results
imported from CI (JUnit XML) and linked to requirement and risk-control IDs, and the readiness rule that needs them."""
