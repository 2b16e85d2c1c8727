"""Safeguarding supervision records: forms, policy checks, dual sign-off and a staff site."""

__version__ = "0.1.0"
