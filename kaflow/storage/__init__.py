"""Stores: the URL parsed once, one adapter per engine, copy, and the translation of
driver errors. Every path that writes the log goes through here."""
