"""A scored first round (初评) from the results fixtures, ready for a second."""

from tests.results.conftest import HARSH, build_scored

__all__ = ["HARSH", "build_scored"]
