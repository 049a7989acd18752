"""Post-market monitoring of released SOUP: alerts when a new advisory hits a frozen release, product subscriptions."""
