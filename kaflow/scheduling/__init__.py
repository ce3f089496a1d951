"""Deadlines enforced: the tick, the long-running scheduler, notices and their delivery."""
