"""Bare broadcast servers written for the benchmarks: the limit for Python on this machine.

They speak the subset of causette's protocol the fan-out load uses (hello, join, post ->
ack + message to every member, encoded once), with no persistence, no rules, no safety.
"""
