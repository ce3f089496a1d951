"""The application boundary: commands and queries that take the acting user.

Front ends import the submodules they need (``commands``, ``service``, ``queries``):
this package imports nothing itself, so a short command loads only what it uses.
"""
