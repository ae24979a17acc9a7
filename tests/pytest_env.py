"""Loaded with `-p tests.pytest_env` before Django starts: the test run's environment."""

import os
import tempfile

os.environ.setdefault("PORTAL_TESTING", "1")
# Uploads, the folder broker and the SQLite file of a test run never mix with `make run`'s.
os.environ.setdefault("PORTAL_VAR_DIR", tempfile.mkdtemp(prefix="portal-test-"))
