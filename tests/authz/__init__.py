"""Helpers of the authorization matrix (tests/test_authz_matrix.py) and the API fuzzing."""
