"""The npm launcher and signals, with a stand-in binary (S3SYNC_BINARY).

Run by scripts/test-npm.sh: `signals.py LAUNCHER PROJECT_DIR`. The stand-in
logs each SIGINT and SIGTERM it gets and dies of SIGTERM, so the test sees
(1) a Ctrl-C typed at a terminal reaches the binary exactly once, directly
and through `npx` (a second one would stop s3sync at once instead of letting
it record what it did); (2) a SIGINT sent to the launcher alone, without a
terminal, is passed on; (3) SIGTERM is passed on, and the binary's death by
SIGTERM is the launcher's death by SIGTERM. Every wait is for a condition,
bounded; every failure exits non-zero saying what differed.
"""

import os
import pty
import signal
import subprocess
import sys
import tempfile
import time
import unittest

LAUNCHER, PROJECT = sys.argv[1], sys.argv[2]
WORK = tempfile.mkdtemp(prefix="s3sync-npm-signals-")
LOG = os.path.join(WORK, "log")
STANDIN = os.path.join(WORK, "standin.py")

with open(STANDIN, "w") as f:
    f.write(
        f"""#!{sys.executable}
import os, signal
def log(line):
    with open({LOG!r}, "a") as f:
        f.write(line + "\\n")
def term(*_):
    log("TERM")
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)
signal.signal(signal.SIGINT, lambda *_: log("INT"))
signal.signal(signal.SIGTERM, term)
with open({LOG!r} + ".launcher", "w") as f:
    f.write(str(os.getppid()))
log("ready")
while True:
    signal.pause()
"""
    )
os.chmod(STANDIN, 0o755)
ENV = dict(os.environ, S3SYNC_BINARY=STANDIN)


def lines():
    try:
        with open(LOG) as f:
            return f.read().split()
    except FileNotFoundError:
        return []


def wait_for(condition, what, seconds=20):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; the stand-in logged {lines()}")
        time.sleep(0.02)


class LauncherSignals(unittest.TestCase):
    def setUp(self):
        if os.path.exists(LOG):
            os.remove(LOG)

    def in_terminal(self, argv):
        """Starts argv in a new terminal session; returns (pid, master fd)."""
        pid, master = pty.fork()
        if pid == 0:
            os.chdir(PROJECT)
            os.execvpe(argv[0], argv, ENV)
        return pid, master

    def drain(self, master):
        try:
            while os.read(master, 4096):
                pass
        except OSError:
            pass  # EIO: the terminal's last process is gone

    def ctrl_c_once(self, argv):
        pid, master = self.in_terminal(argv)
        wait_for(lambda: "ready" in lines(), "the stand-in to start")
        os.write(master, b"\x03")  # Ctrl-C: the terminal signals its foreground group
        wait_for(lambda: "INT" in lines(), "the Ctrl-C to reach the stand-in")
        # A SIGINT passed on after the terminal's would reach the stand-in
        # before this SIGTERM (the launcher handles its signals in order).
        # The launcher is the stand-in's parent (npx runs it through sh).
        with open(LOG + ".launcher") as f:
            os.kill(int(f.read()), signal.SIGTERM)
        wait_for(lambda: "TERM" in lines(), "the SIGTERM to reach the stand-in")
        self.drain(master)
        _, status = os.waitpid(pid, 0)
        os.close(master)
        self.assertEqual(lines(), ["ready", "INT", "TERM"], "one Ctrl-C, one SIGINT for s3sync")
        return status

    def test_ctrl_c_at_a_terminal_reaches_the_binary_once(self):
        status = self.ctrl_c_once([LAUNCHER])
        self.assertTrue(os.WIFSIGNALED(status), f"launcher exit status {status}")
        self.assertEqual(os.WTERMSIG(status), signal.SIGTERM)

    def test_ctrl_c_through_npx_reaches_the_binary_once(self):
        status = self.ctrl_c_once(["npx", "--offline", "s3sync"])
        self.assertNotEqual(status, 0, "npx reports the binary's death as a failure")

    def test_sigint_to_the_launcher_alone_is_passed_on(self):
        proc = subprocess.Popen(
            [LAUNCHER], cwd=PROJECT, env=ENV,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        wait_for(lambda: "ready" in lines(), "the stand-in to start")
        proc.send_signal(signal.SIGINT)
        wait_for(lambda: "INT" in lines(), "the SIGINT to be passed on")
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
        self.assertEqual(lines(), ["ready", "INT", "TERM"])
        self.assertEqual(proc.returncode, -signal.SIGTERM, "the launcher dies of the binary's signal")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
