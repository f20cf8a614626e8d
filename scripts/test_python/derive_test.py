"""What `manage.py s3sync` derives from Django settings, without a server.

Run by scripts/test-python.sh with the wheel's venv (Django from the project
venv): the global AWS_* settings and the staticfiles OPTIONS mapped to
s3sync's base layer, credentials never copied, settings s3sync cannot honour
refused with their name, an S3 staticfiles storage refused for
--collectstatic with the fix, and the argument split.
"""

import io
import json
import os
import sys
import unittest
from types import SimpleNamespace

import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=["django.contrib.staticfiles", "s3sync_django"],
    STATIC_URL="/static/",
    STORAGES={"staticfiles": {"BACKEND": "storages.backends.s3.S3Storage",
                              "OPTIONS": {"bucket_name": "media-and-static"}}},
)
django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.management.base import CommandError  # noqa: E402

from s3sync_django.binary import BinaryNotFound, find_binary  # noqa: E402
from s3sync_django.derive import SettingsError, derive  # noqa: E402
from s3sync_django.management.commands.s3sync import _split_args  # noqa: E402

MANIFEST = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"


def project(**names):
    return SimpleNamespace(**names)


class Derive(unittest.TestCase):
    def test_global_aws_settings_with_a_local_manifest_storage(self):
        base, warnings = derive(project(
            STATIC_ROOT="/srv/app/staticfiles",
            STORAGES={"staticfiles": {"BACKEND": MANIFEST, "OPTIONS": {"location": "/srv/other"}}},
            AWS_STORAGE_BUCKET_NAME="my-site-assets", AWS_LOCATION="static",
            AWS_S3_REGION_NAME="eu-west-1", AWS_S3_CUSTOM_DOMAIN="cdn.example.com",
            AWS_DEFAULT_ACL=None, AWS_IS_GZIPPED=True, GZIP_CONTENT_TYPES=("text/css", "image/svg+xml"),
            AWS_QUERYSTRING_EXPIRE=600, AWS_S3_OBJECT_PARAMETERS={"CacheControl": "max-age=86400"},
            AWS_ACCESS_KEY_ID="AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY="secret-example",
        ))
        self.assertEqual(base, {
            "source": "/srv/app/staticfiles",
            "storage": {"bucket_name": "my-site-assets", "location": "static", "region_name": "eu-west-1",
                        "default_acl": "none", "object_parameters": {"CacheControl": "max-age=86400"},
                        "custom_domain": "cdn.example.com", "querystring_expire": 600},
            "gzip": {"enabled": True, "content_types": ["text/css", "image/svg+xml"]},
        })
        # The keys are named, never copied: not in the base layer, not in the warning.
        self.assertNotIn("AKIAEXAMPLE", json.dumps(base) + " ".join(warnings))
        self.assertNotIn("secret-example", json.dumps(base) + " ".join(warnings))
        self.assertIn("AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY ignored", warnings[0])

    def test_staticfiles_options_override_the_globals_key_by_key(self):
        base, warnings = derive(project(
            STATIC_ROOT=None,
            STORAGES={"staticfiles": {"BACKEND": "s3sync_django.storage.S3SyncManifestStorage", "OPTIONS": {
                "bucket_name": "static-bucket", "location": "assets", "querystring_auth": False,
                "access_key": "AKIAEXAMPLE"}}},
            AWS_STORAGE_BUCKET_NAME="media-bucket", AWS_LOCATION="media", AWS_S3_REGION_NAME="eu-west-1",
        ))
        self.assertEqual(base, {"storage": {
            "bucket_name": "static-bucket", "location": "assets", "region_name": "eu-west-1",
            "querystring_auth": False, "default_acl": "none"}})
        self.assertIn('STORAGES["staticfiles"]["OPTIONS"]["access_key"] ignored', warnings[0])

    def test_what_s3sync_cannot_honour_is_refused_with_the_setting_name(self):
        with self.assertRaisesRegex(SettingsError, r"AWS_S3_OBJECT_PARAMETERS sets ServerSideEncryption"):
            derive(project(AWS_S3_OBJECT_PARAMETERS={"ServerSideEncryption": "AES256"}))
        with self.assertRaisesRegex(SettingsError, r'\["OPTIONS"\]\["gzip"\] is \'yes\': use True or False'):
            derive(project(STORAGES={"staticfiles": {
                "BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"gzip": "yes"}}}))

    def test_collectstatic_into_an_s3_storage_is_refused_with_the_fix(self):
        with self.assertRaises(CommandError) as caught:
            call_command("s3sync", "push", "--collectstatic", stderr=io.StringIO())
        message = str(caught.exception)
        self.assertIn('STORAGES["staticfiles"] uses storages.backends.s3.S3Storage', message)
        self.assertIn('Fix: set STORAGES["staticfiles"]["BACKEND"] to "s3sync_django.storage.S3SyncManifestStorage"',
                      message)

    def test_arguments_after_the_command_go_to_s3sync(self):
        passed, collect = _split_args(
            ["--collectstatic", "--delete", "--settings", "proj.settings", "--max-deletes", "5",
             "--pythonpath=/x", "--json"])
        self.assertEqual((passed, collect), (["--delete", "--max-deletes", "5", "--json"], True))

    def test_a_wrong_binary_override_names_the_variable(self):
        os.environ["S3SYNC_BINARY"] = "/nonexistent/s3sync"
        try:
            with self.assertRaisesRegex(BinaryNotFound, r"S3SYNC_BINARY='/nonexistent/s3sync' is not an executable"):
                find_binary()
        finally:
            del os.environ["S3SYNC_BINARY"]


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
