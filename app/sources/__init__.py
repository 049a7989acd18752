"""Public sources of evidence about open-source software: package registries, repositories, OpenSSF Scorecard,
user-base figures. Every answer is kept as evidence (URL, time, sha256, body)."""
