"""Accounts, passwords, sign-in throttling, sessions, scopes, the audit log, masking and safe exports."""
