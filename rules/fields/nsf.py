"""NSF award metadata → programme codes: the functions live with the portfolio
(projects.nsf_codes), which the NSF award connector fills; re-exported for the tagger."""

from projects.nsf_codes import (
    nsf_directorate_abbreviation,
    nsf_division_abbreviation,
    nsf_programme_codes,
)

__all__ = ["nsf_directorate_abbreviation", "nsf_division_abbreviation", "nsf_programme_codes"]
