"""Execution: every sample run against its tests in a sandbox, by warm fork-server workers.

Import from the submodules (``executor``, ``job``, ``shard``, ``evaluate``): the fork server
imports this package too, and every module it holds makes each of its forks slower.
"""
