"""Reference lists (restricted parties, talent programmes, countries of concern): pure parsers."""
