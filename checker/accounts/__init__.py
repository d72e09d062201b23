"""Accounts shared by every signed-in area: agencies, users (agency staff and policy officers), browser sessions,
API tokens and the failed sign-in throttle. Agency and staff both build on it, never on each other for these."""
