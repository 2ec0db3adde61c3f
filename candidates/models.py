"""Who applies: candidates' profiles and their applications (added by the applications issue)."""
