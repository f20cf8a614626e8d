"""s3sync for Django: ``python manage.py s3sync push`` publishes STATIC_ROOT.

Add ``"s3sync_django"`` to ``INSTALLED_APPS``. The command reads the settings
Django already has (``STATIC_ROOT``; the django-storages options from
``STORAGES["staticfiles"]["OPTIONS"]`` or the global ``AWS_*`` settings) and
runs the ``s3sync`` binary installed by the same wheel. An ``s3sync.toml`` in
the working directory wins over every value derived here.
"""
