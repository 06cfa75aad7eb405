"""Fixtures of the store tests: the fault-injecting proxy of ``tests/faultproxy.py`` in front of
the S3 server, so throttling, cut bodies and lost answers meet real botocore retries."""

from __future__ import annotations

from tests import faultproxy

# Bound here, the proxy's fixtures serve every test module of this folder.
fault_proxy = faultproxy.fault_proxy
fault_settings = faultproxy.fault_settings
fault_store = faultproxy.fault_store
