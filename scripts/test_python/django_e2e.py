"""A real Django project (admin on) published by `manage.py s3sync push
--collectstatic` to moto, checked as a visitor would see it.

Run by scripts/test-python.sh with the wheel's venv (s3sync, s3sync_django)
and S3SYNC_TEST_ENDPOINT; argv[1] is an empty folder for the project.
Checks: every file of STATIC_ROOT is in the bucket and nothing else; every
static URL of the rendered admin login page answers 200 from moto with the
file's bytes, its Content-Type and an immutable Cache-Control (hashed
names); a re-run sends nothing; an s3sync.toml wins over the derived
settings (--show-settings). Exits 1 with the reason on the first failure.
"""

import gzip
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ENDPOINT = os.environ["S3SYNC_TEST_ENDPOINT"]
BUCKET = f"django-{int(time.time())}-{os.getpid()}"
STATIC_URL = f"{ENDPOINT}/{BUCKET}/static/"
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=60, must-revalidate"
CONTENT_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".svg": "image/svg+xml; charset=utf-8"}

SETTINGS = f"""
# --- appended by django_e2e.py: static files published by s3sync ---
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
INSTALLED_APPS += ["s3sync_django"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_URL = {STATIC_URL!r}
STORAGES = {{
    "default": {{"BACKEND": "django.core.files.storage.FileSystemStorage"}},
    "staticfiles": {{
        "BACKEND": "s3sync_django.storage.S3SyncManifestStorage",
        "OPTIONS": {{
            "bucket_name": {BUCKET!r},
            "location": "static",
            "endpoint_url": {ENDPOINT!r},
            "addressing_style": "path",
            "region_name": "us-east-1",
            "default_acl": "public-read",
        }},
    }},
}}
"""


def fail(message):
    print(f"django_e2e: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def manage(project, *args):
    """`python manage.py ARGS` in the project: (exit code, stdout, stderr)."""
    run = subprocess.run([sys.executable, "manage.py", *args], cwd=project, capture_output=True, text=True)
    return run.returncode, run.stdout, run.stderr


def push(project, label):
    code, out, err = manage(project, "s3sync", "push", "--collectstatic", "--json")
    check(code == 0, f"{label}: manage.py s3sync push --collectstatic exited {code}:\n{err}\n{out}")
    try:
        return json.loads(out)["summary"], err
    except (ValueError, KeyError) as e:
        fail(f"{label}: stdout is not s3sync's JSON ({e}):\n{out}")


def main(folder):
    import boto3

    s3 = boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    folder.mkdir(parents=True)
    subprocess.run([sys.executable, "-m", "django", "startproject", "proj", str(folder)], check=True)
    with open(folder / "proj" / "settings.py", "a") as f:
        f.write(SETTINGS)

    summary, err = push(folder, "first run")
    root = folder / "staticfiles"
    files = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    check(len(files) > 100 and "staticfiles.json" in files, f"collectstatic left {len(files)} files in STATIC_ROOT:\n{err}")
    check(summary["new"] == len(files) and summary["failed"] == 0,
          f"first run: {summary}, expected {len(files)} new (the files of STATIC_ROOT)")
    keys = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="static/"):
        keys |= {o["Key"][len("static/"):] for o in page.get("Contents", [])}
    published = {k for k in keys if not k.startswith(".s3sync-")}
    check(published == files, f"bucket and STATIC_ROOT differ: only in the bucket {sorted(published - files)[:5]}, "
                              f"only in STATIC_ROOT {sorted(files - published)[:5]}")

    # The admin login page as Django renders it, and every static URL in it.
    sys.path.insert(0, str(folder))
    os.environ["DJANGO_SETTINGS_MODULE"] = "proj.settings"
    import django
    from django.test import Client

    django.setup()
    response = Client().get("/admin/login/")
    check(response.status_code == 200, f"/admin/login/ answered {response.status_code}")
    urls = sorted(set(re.findall(r'(?:href|src)="(' + re.escape(STATIC_URL) + r'[^"]+)"', response.content.decode())))
    check(len(urls) >= 3, f"the admin login page names {len(urls)} static URLs: {urls}")
    manifest = json.loads((root / "staticfiles.json").read_text())["paths"]
    for url in urls:
        name = url[len(STATIC_URL):]
        check(name in manifest.values(), f"{url} is not a hashed name from staticfiles.json")
        got = fetch(url)
        check(got["status"] == 200, f"GET {url} answered {got['status']}")
        want_type = CONTENT_TYPES.get(Path(name).suffix)
        check(want_type and got["type"] == want_type, f"GET {url}: Content-Type {got['type']!r}, expected {want_type!r}")
        check(got["cache"] == IMMUTABLE, f"GET {url}: Cache-Control {got['cache']!r}, expected {IMMUTABLE!r}")
        check(got["body"] == (root / name).read_bytes(), f"GET {url}: the bytes differ from STATIC_ROOT/{name}")
    original = next(k for k, v in manifest.items() if v == urls[0][len(STATIC_URL):])
    got = fetch(STATIC_URL + original)
    check(got["cache"] == SHORT, f"the unhashed {original}: Cache-Control {got['cache']!r}, expected {SHORT!r}")
    print(f"django_e2e: {len(files)} files published; {len(urls)} admin page URLs answer 200 with "
          f"their bytes, type and {IMMUTABLE!r}", file=sys.stderr)

    summary, _ = push(folder, "re-run")
    sent = {k: summary[k] for k in ("new", "changed", "headers", "deleted", "failed")}
    check(set(sent.values()) == {0} and summary["bytes_uploaded"] == 0, f"a re-run sent something: {summary}")

    # An s3sync.toml wins over what is derived, key by key.
    code, out, err = manage(folder, "s3sync", "push", "--show-settings")
    check(code == 0, f"--show-settings exited {code}: {err}")
    derived = json.loads(out)
    check(derived["prefix"] == "static" and derived["source"] == str(root), f"derived settings: {out}")
    (folder / "s3sync.toml").write_text('[storage]\nlocation = "from-toml"\n')
    code, out, err = manage(folder, "s3sync", "push", "--show-settings")
    check(code == 0, f"--show-settings with s3sync.toml exited {code}: {err}")
    layered = json.loads(out)
    check(layered["prefix"] == "from-toml", f"s3sync.toml's location did not win: prefix {layered['prefix']!r}")
    check(layered["destination"] == derived["destination"], "the bucket from settings.py was lost under s3sync.toml")
    print(f"django_e2e: re-run sent nothing; s3sync.toml wins over settings.py ({derived['prefix']!r} -> "
          f"{layered['prefix']!r}, bucket kept)", file=sys.stderr)


def fetch(url):
    """GET like a browser that accepts gzip: status, headers, decoded bytes."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    try:
        with urllib.request.urlopen(request) as r:
            body = r.read()
            if r.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            return {"status": r.status, "type": r.headers.get("Content-Type"),
                    "cache": r.headers.get("Cache-Control"), "body": body}
    except urllib.error.HTTPError as e:
        return {"status": e.code, "type": None, "cache": None, "body": b""}


if __name__ == "__main__":
    main(Path(sys.argv[1]))
