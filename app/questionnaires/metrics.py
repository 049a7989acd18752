"""The figures that collected evidence offers to a questionnaire's evidence rules (names and what they count).

Pure: a table. The template's `evidence` mappings name these figures; the collector fills them.
"""

from __future__ import annotations

METRICS: dict[str, str] = {
    "commits_90d": "commits on the default branch in the last 90 days",
    "commits_365d": "commits on the default branch in the last 365 days",
    "active_weeks_90d": "weeks with at least one commit among the last 13",
    "authors_12m": "distinct commit authors in the last 12 months",
    "organisations_12m": "distinct organisations (e-mail domains) among the authors of the last 12 months",
    "last_commit_days": "days since the last commit",
    "archived": "the host marks the repository archived (1) or not (0)",
    "first_release_years": "whole years since the first release in the package registry",
    "last_release_months": "whole months since the latest release in the package registry",
    "dependents": "packages that depend on it (deps.dev)",
    "stars": "stars of the repository (GitHub or GitLab)",
    "monthly_downloads": "downloads in the last month (registries that publish them)",
    "scorecard_score": "OpenSSF Scorecard aggregate score (0-10)",
    "scorecard_maintained": "OpenSSF Scorecard Maintained check (0-10)",
    "scorecard_contributors": "OpenSSF Scorecard Contributors check (0-10)",
    "scorecard_security_policy": "OpenSSF Scorecard Security-Policy check (0-10)",
    "scorecard_vulnerabilities": "OpenSSF Scorecard Vulnerabilities check (0-10)",
    "scorecard_ci_tests": "OpenSSF Scorecard CI-Tests check (0-10)",
    "scorecard_code_review": "OpenSSF Scorecard Code-Review check (0-10)",
    "scorecard_license": "OpenSSF Scorecard License check (0-10)",
    "licence_verdict_rank": "worst licence verdict of the supplied components: 0 allow, 1 review, 2 deny",
}

SCORECARD_CHECKS: dict[str, str] = {
    "Maintained": "scorecard_maintained", "Contributors": "scorecard_contributors",
    "Security-Policy": "scorecard_security_policy", "Vulnerabilities": "scorecard_vulnerabilities",
    "CI-Tests": "scorecard_ci_tests", "Code-Review": "scorecard_code_review", "License": "scorecard_license",
}
