"""Server-rendered portal pages for PIs, research-office reviewers and auditors."""
