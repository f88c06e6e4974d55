"""The viral-campaign benchmark: `python -m bench --help`.

It starts the application as in production (gunicorn, sync workers, a fresh
database), drives it with `wrk` from another process, delivers the outbox to a
local SMTP server, checks that nothing was lost or counted twice, and writes
its figures to bench/results/.
"""
