"""Management commands of s3sync_django."""
