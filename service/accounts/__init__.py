"""Accounts, login sessions and who may see and do what."""
