"""The admin feature package: actions, repairs, bulk actions, queries, stuck detection, audit log, pages, API."""
