"""gunicorn settings for one app host (``gunicorn -c deploy/gunicorn.conf.py``)."""

import multiprocessing
import os

bind = os.environ.get("JUDGING_BIND", "127.0.0.1:8000")
wsgi_app = "judging:create_app()"
# Threads, so a worker waiting on the database or the storage serves others;
# nginx in front buffers slow clients (deploy/nginx-judging.conf).
worker_class = "gthread"
workers = int(os.environ.get("JUDGING_WORKERS", multiprocessing.cpu_count() * 2))
threads = 4
# A request taking longer is killed and logged; slow work belongs in jobs.
timeout = 90
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows large.
max_requests = 2000
max_requests_jitter = 200
limit_request_line = 8190
limit_request_fields = 100
accesslog = "-"
errorlog = "-"
