"""One background-job framework: the shared job columns, the chunk runner (lease, heartbeat, progress, fail, cancel,
prune) and the runner factory `create_app` wires (a thread by default, Celery when a broker is configured).

Agency batch jobs, portfolio rechecks and staff impact previews are kinds of job on it; each kind keeps its own
table columns, chunk step and result format.
"""
