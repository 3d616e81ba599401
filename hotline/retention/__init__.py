"""Retention, correction and erasure of children's personal data.

``run_retention`` pseudonymises what was closed long enough ago (``HOTLINE_RETENTION_DAYS``),
one transaction per record, as a list of per-kind steps (``STEPS``: tickets today; closed
children's files join by appending a step). ``redact_ticket`` removes named fields now, on an
admin's decision with a reason. Both keep numbers, codes, street, dates, assignments and
statuses, so every figure stays the same, and both leave an event naming fields, never values.
"""
