"""Rounds of judging (初评 → 复评 → 终评), shortlists and 答辩 scores."""
