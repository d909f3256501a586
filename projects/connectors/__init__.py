"""Connectors that bring outside evidence in: NSF award XML, publications, ORCID, SciENcv CPOS.

Each connector parses its format into plain records, writes them through the portfolio
services, and records one ``ImportRun`` per run (``runs.record_run``).
"""
