"""``python manage.py s3sync push|diff|check|url … [--collectstatic] [ARGS…]``.

Runs the s3sync binary with the settings derived from Django's (see
``s3sync_django.derive``) as its base layer (``S3SYNC_BASE_CONFIG``), so an
``s3sync.toml``, ``S3SYNC_*`` and ``AWS_*`` environment variables and flags
all win over them. Every argument after the command goes to s3sync, except
``--collectstatic`` (ours: run ``collectstatic --noinput`` first) and
Django's ``--settings``/``--pythonpath`` (already applied by manage.py).
``--show-settings`` prints what s3sync would run with.
"""

import argparse
import json
import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from s3sync_django.binary import BinaryNotFound, find_binary
from s3sync_django.derive import SettingsError, derive, is_manifest, is_ours, is_s3_backend, staticfiles_storage

BASE_CONFIG_ENV = "S3SYNC_BASE_CONFIG"
COMMANDS = ("push", "diff", "check", "url", "explain", "manifest", "policy", "setup", "log", "prune", "rollback")
DJANGO_GLOBAL = ("--settings", "--pythonpath")
OURS = "s3sync_django.storage.S3SyncManifestStorage"


class Command(BaseCommand):
    help = (
        "Publish STATIC_ROOT with s3sync, configured from your settings (STATIC_ROOT, the "
        "django-storages options). Arguments after the command go to s3sync "
        "(`manage.py s3sync push --help` lists them); --collectstatic runs "
        "`collectstatic --noinput` first."
    )

    def add_arguments(self, parser):
        parser.add_argument("subcommand", choices=COMMANDS, metavar="COMMAND", help=", ".join(COMMANDS))
        parser.add_argument(
            "args", nargs=argparse.REMAINDER, metavar="ARGS",
            help="passed to s3sync, e.g. --delete, --dry-run, --json; and --collectstatic",
        )

    def handle(self, *args, **options):
        subcommand = options["subcommand"]
        args, collect = _split_args(list(args))
        where, backend, _ = staticfiles_storage(settings)
        if is_s3_backend(backend):
            problem = (
                f"{where} uses {backend}, which uploads to S3 by itself: `collectstatic` would "
                f"upload every file itself (one request or more per file) and leave STATIC_ROOT "
                f"empty for s3sync"
            )
            fix = (
                f'set {where}["BACKEND"] to "{OURS}" (Django\'s ManifestStaticFilesStorage, '
                f"writing hashed files to STATIC_ROOT; it keeps your S3 OPTIONS for s3sync), and "
                f"STATIC_URL to the bucket's URL (e.g. https://BUCKET.s3.amazonaws.com/static/)"
            )
            if collect:
                raise CommandError(f"cannot run collectstatic for s3sync: {problem}. Fix: {fix}")
            self._warn(f"{problem}; s3sync publishes STATIC_ROOT as it is. Fix: {fix}")
        elif backend and not (is_manifest(backend) or is_ours(backend)):
            self._warn(
                f"{where} uses {backend}, which does not hash file names, so every file gets a "
                f"short Cache-Control; ManifestStaticFilesStorage (or {OURS}) makes them immutable"
            )
        try:
            base, warnings = derive(settings)
            binary = find_binary()
        except (SettingsError, BinaryNotFound) as e:
            raise CommandError(str(e)) from None
        for warning in warnings:
            self._warn(warning)
        if collect:
            # collectstatic's report goes to stderr: stdout stays s3sync's
            # (`--json` is one document).
            call_command("collectstatic", interactive=False, verbosity=options["verbosity"],
                         stdout=self.stderr, stderr=self.stderr)
        if options["verbosity"] >= 2:
            self.stderr.write(f"s3sync: settings from Django ({BASE_CONFIG_ENV}): {json.dumps(base)}")
        env = dict(os.environ)
        env[BASE_CONFIG_ENV] = json.dumps(base)
        self.stdout.flush()
        sys.stdout.flush()
        sys.stderr.flush()
        returncode = _run([binary, subcommand, *args], env)
        if returncode != 0:
            # s3sync has already said what went wrong; keep its exit code
            # (1: `diff --exit-code` found changes, 2: an error, 130: interrupted).
            raise SystemExit(returncode)

    def _warn(self, message):
        self.stderr.write(self.style.WARNING(f"warning: {message}"))


def _split_args(args):
    """(the arguments for s3sync, whether --collectstatic was given)."""
    passed, collect, skip = [], False, False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--collectstatic":
            collect = True
        elif arg in DJANGO_GLOBAL:
            skip = True
        elif not arg.startswith(tuple(f"{o}=" for o in DJANGO_GLOBAL)):
            passed.append(arg)
    return passed, collect


def _run(argv, env):
    """Run s3sync in the foreground; Ctrl-C reaches it too, and we wait for it."""
    process = subprocess.Popen(argv, env=env)
    try:
        return process.wait()
    except KeyboardInterrupt:
        return process.wait()
