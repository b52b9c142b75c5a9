"""Casebook's crawler: fetch -> robots -> frontier -> extract -> store into kb.

Imports kb only. Every URL it meets ends with an outcome: stored, or skipped
with a reason that is counted and stored (robots, out_of_scope, too_deep, too_large...).
"""
