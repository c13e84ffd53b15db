"""Pages of the registry app (agreements); the pairing pages that combine apps live in web/."""
