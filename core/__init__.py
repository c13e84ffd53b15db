"""The platform every domain app uses: scoping, permissions, audit, privacy, dates, uploads, jobs, API."""
