"""查重: copied, recycled and duplicate essays."""
