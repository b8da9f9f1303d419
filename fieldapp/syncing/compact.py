"""Compact changes on the wire: moved to `sync.wire`, the module both sides share.

Only re-exported until `fieldapp.syncing.apply` imports `sync.wire` itself; new code
imports `sync.wire`.
"""
from sync.wire import ALL_FIELDS, compact_change, expand_change

__all__ = ["ALL_FIELDS", "compact_change", "expand_change"]
