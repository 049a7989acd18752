"""Background work: jobs with progress that a page starts and the worker runs (huey), and periodic tasks."""
