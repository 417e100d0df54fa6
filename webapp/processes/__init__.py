"""The processes feature package: deploy checks, the one-source-of-truth deploy, diffs, instance migration."""
