"""The Django app config of s3sync_django (it has no models)."""

from django.apps import AppConfig


class S3SyncConfig(AppConfig):
    name = "s3sync_django"
    verbose_name = "s3sync"
