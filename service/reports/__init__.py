"""Reports for the propaganda department and the government office (issue 5)."""
