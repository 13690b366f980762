"""The end-to-end tests' real stack: the Temporal dev server, worker.py and uvicorn as subprocesses.

- processes.py: one child process (start, SIGKILL, stop) and a bare dev server
- stack.py: the whole stack on free ports, its policy in FOAD_* variables, started and stopped as one
- readmodel.py: the stack's read model read directly (SQLite or PostgreSQL), a case's events, tasks and SMS
- api.py: the HTTP API on its real port, as a citizen and the demo users, and the steps of a case
- checks.py: what every finished case must look like in the read model
- faults.py: the fault tests' retrying client, their end-of-test audits, and the read model locked
"""
