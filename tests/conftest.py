"""Every shared fixture, registered as a plugin so that a test only names it as a parameter (README: Tests).

The plugins are modules under tests/fixtures/, one for each thing the fixtures start. A fixture defined in a
test module itself (the end-to-end modules' `stack` and `api`, say) is that module's own, and wins there.
"""

pytest_plugins = [
    "tests.fixtures.temporal",  # temporal_env (one time-skipping server per module), task_queue, cases
    "tests.fixtures.database",  # sessions, seeded, db (each backend), report_db
    "tests.fixtures.app",  # api, worker, cases_terminated: the app in process on the test server
    "tests.fixtures.browser",  # site, browser (one chromium per module), browsing
    "tests.fixtures.certificates",  # pki
]
