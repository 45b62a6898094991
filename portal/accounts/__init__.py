"""Accounts for staff, committee members and administrators (residents never need one)."""
