"""The audit trail of reads of children's personal data.

Every service that hands out a ticket's personal fields or a child's file calls
``record_access`` (one function, so every row carries the same facts: who, role, when, which
ticket or file, how, from which address and program). Supervisors and admins review the rows
with ``GET /api/v1/access-log`` and on the web review page.
"""

from hotline.audit.services import Client, current_client, list_access_log, record_access

__all__ = ["Client", "current_client", "list_access_log", "record_access"]
