"""Accounts: users, groups, sign-in (shared throttle, lockout with backoff, equal work), tokens and revocation."""
