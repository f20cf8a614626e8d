"""Where the ``s3sync`` binary is: the one the wheel installed beside this
package (the environment's scripts folder), else the first on PATH.
``S3SYNC_BINARY`` names another one (tests, a build from source)."""

import os
import shutil
import sys
import sysconfig
from pathlib import Path

BINARY_ENV = "S3SYNC_BINARY"


class BinaryNotFound(Exception):
    """No usable s3sync binary; the message says where it looked and the fix."""


def find_binary():
    """The path of the s3sync binary to run."""
    override = os.environ.get(BINARY_ENV)
    if override:
        if os.path.isfile(override) and os.access(override, os.X_OK):
            return override
        raise BinaryNotFound(
            f"{BINARY_ENV}={override!r} is not an executable file: point it at the "
            f"s3sync binary, or unset it to use the one installed with this package"
        )
    name = "s3sync.exe" if os.name == "nt" else "s3sync"
    looked = []
    for scheme in (None, f"{os.name}_user"):
        try:
            scripts = sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
        except KeyError:
            continue
        looked.append(scripts)
        candidate = Path(scripts) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    looked.append(os.path.dirname(sys.executable))
    candidate = Path(sys.executable).parent / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    on_path = shutil.which("s3sync")
    if on_path:
        return on_path
    raise BinaryNotFound(
        f"the s3sync binary was not found (looked in {', '.join(looked)} and PATH): "
        f"install it with `pip install s3-asset-sync` in this environment, or set "
        f"{BINARY_ENV} to its path"
    )
