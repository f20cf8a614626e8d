// Runs the native binary in place of this Node process: the same arguments,
// the terminal (stdio) shared, its exit code passed on, and a death by signal
// passed on as the same signal, so a shell or CI runner sees what it would
// see running s3sync itself.
'use strict';

const { spawn } = require('node:child_process');
const os = require('node:os');
const tty = require('node:tty');

/** SIGTERM and SIGHUP end s3sync at once: passing one on twice is harmless. */
const FORWARDED = ['SIGTERM', 'SIGHUP'];

/**
 * Whether a Ctrl-C reached the binary already. A terminal sends SIGINT to its
 * whole foreground process group, which holds this launcher and the binary
 * alike (and npm, which passes it on once more); passing it on again would
 * make one Ctrl-C two, and s3sync's second Ctrl-C stops at once instead of
 * recording what was done. Without a terminal, a SIGINT was sent to this
 * process alone (a tool stopping its child), and the binary needs it passed on.
 */
function interruptReachesChild() {
  return process.platform === 'win32' || [0, 1, 2].some((fd) => tty.isatty(fd));
}

/** Runs `binary` with `args`; never returns (the process exits as it does). */
function run(binary, args) {
  const child = spawn(binary, args, { stdio: 'inherit', windowsHide: false });
  const handlers = new Map();
  const listen = (signal, handler) => {
    handlers.set(signal, handler);
    process.on(signal, handler);
  };
  for (const signal of FORWARDED) {
    if (process.platform !== 'win32') listen(signal, () => child.kill(signal));
  }
  const passInterrupt = !interruptReachesChild();
  // Listening keeps Node alive on SIGINT either way: it waits for the binary.
  listen('SIGINT', () => {
    if (passInterrupt) child.kill('SIGINT');
  });

  child.on('error', (error) => {
    process.stderr.write(`s3sync: could not run ${binary}: ${error.message}\n`);
    process.exit(2);
  });
  child.on('exit', (code, signal) => {
    for (const [name, handler] of handlers) process.removeListener(name, handler);
    if (signal && process.platform !== 'win32') {
      // The same death: the parent sees SIGINT (130 in a shell), not a code.
      // Node ignores a few signals (SIGPIPE): exit as a shell reports them.
      process.kill(process.pid, signal);
      setTimeout(() => process.exit(128 + (os.constants.signals[signal] || 0)), 1000);
      return;
    }
    process.exit(code === null ? 1 : code);
  });
}

module.exports = { run, interruptReachesChild };
