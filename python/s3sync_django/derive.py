"""What s3sync should do, derived from Django's settings.

The result is the base layer of s3sync's configuration (``S3SYNC_BASE_CONFIG``,
a JSON object shaped like ``s3sync.toml``): ``source`` from ``STATIC_ROOT``,
``storage`` and ``gzip`` from the django-storages options. Like
django-storages, the global ``AWS_*`` settings are the defaults and
``STORAGES["staticfiles"]["OPTIONS"]`` overrides them key by key (the options
are read only when that storage is an S3 storage or
``s3sync_django.storage.S3SyncManifestStorage``; a filesystem storage's
``location`` is a folder, not a key prefix). Credentials are never read: they
stay with the AWS credential chain; settings that hold some are only named in
a warning.
"""

import os

from django.utils.module_loading import import_string

# django-storages option -> (s3sync section, key, global setting).
OPTIONS = {
    "bucket_name": ("storage", "bucket_name", "AWS_STORAGE_BUCKET_NAME"),
    "location": ("storage", "location", "AWS_LOCATION"),
    "region_name": ("storage", "region_name", "AWS_S3_REGION_NAME"),
    "endpoint_url": ("storage", "endpoint_url", "AWS_S3_ENDPOINT_URL"),
    "addressing_style": ("storage", "addressing_style", "AWS_S3_ADDRESSING_STYLE"),
    "default_acl": ("storage", "default_acl", "AWS_DEFAULT_ACL"),
    "object_parameters": ("storage", "object_parameters", "AWS_S3_OBJECT_PARAMETERS"),
    "custom_domain": ("storage", "custom_domain", "AWS_S3_CUSTOM_DOMAIN"),
    "querystring_auth": ("storage", "querystring_auth", "AWS_QUERYSTRING_AUTH"),
    "querystring_expire": ("storage", "querystring_expire", "AWS_QUERYSTRING_EXPIRE"),
    "session_profile": ("storage", "session_profile", "AWS_S3_SESSION_PROFILE"),
    "verify": ("storage", "verify", "AWS_S3_VERIFY"),
    "gzip": ("gzip", "enabled", "AWS_IS_GZIPPED"),
    "gzip_content_types": ("gzip", "content_types", "GZIP_CONTENT_TYPES"),
}
BOOLS = {"querystring_auth", "gzip"}
INTS = {"querystring_expire"}
# The object parameters s3sync sets (boto3's spelling, as django-storages).
OBJECT_PARAMETERS = ("CacheControl", "ContentDisposition", "ContentLanguage", "Metadata", "StorageClass")
CREDENTIAL_OPTIONS = ("access_key", "secret_key", "security_token", "session_token")
CREDENTIAL_SETTINGS = (
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_S3_ACCESS_KEY_ID",
    "AWS_S3_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
)
S3_BACKENDS = ("storages.backends.s3.", "storages.backends.s3boto3.")
OURS = "s3sync_django.storage.S3SyncManifestStorage"


class SettingsError(Exception):
    """A Django setting s3sync cannot use; the message names it and the fix."""


def staticfiles_storage(settings):
    """(where it is set, BACKEND path, OPTIONS) of the staticfiles storage."""
    storages = getattr(settings, "STORAGES", None)
    if isinstance(storages, dict) and "staticfiles" in storages:
        entry = storages["staticfiles"]
        return ('STORAGES["staticfiles"]', entry.get("BACKEND", ""), dict(entry.get("OPTIONS") or {}))
    backend = getattr(settings, "STATICFILES_STORAGE", "") or ""
    return ("STATICFILES_STORAGE", backend, {})


def _subclass_of(backend, path):
    """Whether the class `backend` names is, or derives from, the one `path` names."""
    try:
        cls, base = import_string(backend), import_string(path)
    except ImportError:
        return False
    return isinstance(cls, type) and issubclass(cls, base)


def is_s3_backend(backend):
    """Whether this storage writes to S3 itself (django-storages' S3 storage)."""
    if backend.startswith(S3_BACKENDS):
        return True
    return _subclass_of(backend, "storages.backends.s3.S3Storage")


def is_ours(backend):
    return backend == OURS or _subclass_of(backend, OURS)


def is_manifest(backend):
    return _subclass_of(backend, "django.contrib.staticfiles.storage.ManifestFilesMixin")


def _value(option, value, origin):
    """The JSON value for one option, or a SettingsError naming `origin`."""
    if option == "default_acl" and value is None:
        return "none"  # django-storages: no ACL header, the bucket decides
    if option in BOOLS:
        if not isinstance(value, bool):
            raise SettingsError(f"{origin} is {value!r}: use True or False")
        return value
    if option in INTS:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SettingsError(f"{origin} is {value!r}: use a number of seconds")
        return value
    if option == "verify":
        return value if isinstance(value, bool) else os.fspath(value)
    if option == "gzip_content_types":
        if isinstance(value, str):
            value = value.split(",")
        return [str(t).strip() for t in value if str(t).strip()]
    if option == "object_parameters":
        if not isinstance(value, dict):
            raise SettingsError(f"{origin} is {value!r}: use a dict such as {{'CacheControl': 'max-age=86400'}}")
        unknown = sorted(set(value) - set(OBJECT_PARAMETERS))
        if unknown:
            raise SettingsError(
                f"{origin} sets {', '.join(unknown)}, which s3sync does not send: it sets "
                f"{', '.join(OBJECT_PARAMETERS)}. Remove {', '.join(unknown)} (server-side "
                f"encryption belongs in the bucket's default encryption)"
            )
        return dict(value)
    return os.fspath(value) if isinstance(value, os.PathLike) else str(value)


def derive(settings):
    """(base config dict, warnings) from a Django settings object."""
    warnings = []
    where, backend, options = staticfiles_storage(settings)
    read_options = is_s3_backend(backend) or is_ours(backend)
    base = {}
    if getattr(settings, "STATIC_ROOT", None):
        base["source"] = os.fspath(settings.STATIC_ROOT)
    default_acl_set = False
    for option, (section, key, global_name) in OPTIONS.items():
        if read_options and option in options:
            value, origin = options[option], f'{where}["OPTIONS"]["{option}"]'
        elif hasattr(settings, global_name):
            value, origin = getattr(settings, global_name), global_name
        else:
            continue
        if option == "default_acl":
            default_acl_set = True
        elif value is None:
            continue  # django-storages reads None as "not set"
        base.setdefault(section, {})[key] = _value(option, value, origin)
    if not default_acl_set:
        # Unset, django-storages sends no ACL (the bucket's policy decides);
        # keep that meaning rather than s3sync's own default (public-read).
        base.setdefault("storage", {})["default_acl"] = "none"
    found = [f'{where}["OPTIONS"]["{o}"]' for o in CREDENTIAL_OPTIONS if read_options and options.get(o)]
    found += [name for name in CREDENTIAL_SETTINGS if getattr(settings, name, None)]
    if found:
        warnings.append(
            f"s3sync does not read AWS keys from settings ({', '.join(found)} ignored): it uses "
            f"the AWS credential chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the "
            f"environment, a profile (AWS_PROFILE or session_profile), SSO, or an instance or "
            f"OIDC role"
        )
    return base, warnings
