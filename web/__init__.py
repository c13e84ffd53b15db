"""Pages that combine several apps: the home pages per role and the pairing page."""
