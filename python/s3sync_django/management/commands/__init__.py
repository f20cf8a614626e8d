"""`manage.py s3sync`."""
