"""gunicorn settings for production: `gunicorn -c config/gunicorn.py config.wsgi`.

Read from the environment like the Django settings (README, Production):
GRANTCHECK_BIND (127.0.0.1:8000: behind the HTTPS proxy), WEB_CONCURRENCY (worker processes,
2), GRANTCHECK_WEB_TIMEOUT (seconds a request may take before its worker is restarted, 60;
large exports run in the background, not in a request).
"""

from __future__ import annotations

import os

bind = os.environ.get("GRANTCHECK_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
timeout = int(os.environ.get("GRANTCHECK_WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (plus jitter, so not all at once): a slow
# leak never grows for long.
max_requests = 1000
max_requests_jitter = 100
# Each worker loads the app itself (no database connection is ever shared across a fork); a
# configuration that Django refuses stops the workers from booting, and gunicorn exits.
preload_app = False
# Access and error logs on standard output/error, for the service manager to keep.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# Headers from the proxy (X-Forwarded-For, X-Forwarded-Proto) only from these addresses
# (gunicorn's FORWARDED_ALLOW_IPS; the local proxy by default).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
