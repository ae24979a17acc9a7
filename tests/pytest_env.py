"""Loaded with `-p tests.pytest_env` before Django starts: the test run's environment."""

import os

os.environ.setdefault("PORTAL_TESTING", "1")
