"""Batch stage: jobs (and, next, rosters) become many API requests; freshness, workers, print runs, manifest."""
