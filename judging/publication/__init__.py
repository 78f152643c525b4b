"""Publication: 公示 with objections, the final list, corrections afterwards."""
