from tests.results.conftest import build_scored  # noqa: F401  (a fixture)
