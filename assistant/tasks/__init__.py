"""The four tasks (read, extract, translate, ask); front ends call these and nothing below them."""
