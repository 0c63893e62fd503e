"""Running the platform in production: the health check, one log line per request, static
files with cache headers, and backups (`flask backup`, `flask restore`)."""
