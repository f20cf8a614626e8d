"""A staticfiles storage for projects that move from django-storages to s3sync.

``S3SyncManifestStorage`` is Django's ``ManifestStaticFilesStorage``: it
writes hashed copies and ``staticfiles.json`` into ``STATIC_ROOT``, and
``{% static %}`` serves names from ``STATIC_URL``. It also accepts
django-storages' S3 options in ``STORAGES["staticfiles"]["OPTIONS"]`` and
leaves them for ``manage.py s3sync``, so switching from
``storages.backends.s3.S3Storage`` is a change of ``BACKEND`` alone::

    STORAGES = {
        "staticfiles": {
            "BACKEND": "s3sync_django.storage.S3SyncManifestStorage",
            "OPTIONS": {"bucket_name": "my-bucket", "location": "static"},
        },
    }

``location`` there is the key prefix in the bucket, as for S3Storage; the
local folder is always ``STATIC_ROOT``.
"""

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

from .derive import CREDENTIAL_OPTIONS, OPTIONS

# django-storages options that mean nothing to a local copy: kept for
# manage.py s3sync (the ones it reads) or ignored (the others).
S3_OPTIONS = frozenset(OPTIONS) | frozenset(CREDENTIAL_OPTIONS) | frozenset({
    "file_overwrite", "max_memory_size", "signature_version", "use_ssl",
    "url_protocol", "cloudfront_key", "cloudfront_key_id", "client_config",
    "transfer_config", "proxies", "use_threads", "security_token_ignore_environment",
})


class S3SyncManifestStorage(ManifestStaticFilesStorage):
    """ManifestStaticFilesStorage into STATIC_ROOT; S3 options kept for s3sync."""

    def __init__(self, *args, **options):
        self.s3sync_options = {k: options.pop(k) for k in list(options) if k in S3_OPTIONS}
        super().__init__(*args, **options)
