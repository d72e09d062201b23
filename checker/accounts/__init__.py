"""Accounts shared by every signed-in area: agencies, users (agency staff and policy officers), browser sessions."""
