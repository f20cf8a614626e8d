// Which native binary this machine runs: the platform packages the launcher
// looks for (in order), where their binary is, and the error a user sees when
// none is installed. Pure functions over an explicit machine description, so
// npm/test/platform.test.js checks every case without that machine.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const TABLE = require('../platforms.json');

/** The environment variable that names a binary to run instead. */
const OVERRIDE = 'S3SYNC_BINARY';

/**
 * The C library of this Linux machine, found the way npm finds it when it
 * checks a package's `libc` (npm-install-checks): /usr/bin/ldd's text first,
 * then the process report. 'glibc', 'musl' or null (unknown, or not Linux).
 */
function currentLibc(platform = process.platform) {
  if (platform !== 'linux') return null;
  try {
    const ldd = fs.readFileSync('/usr/bin/ldd', 'utf8');
    if (ldd.includes('musl')) return 'musl';
    if (ldd.includes('GNU C Library')) return 'glibc';
  } catch {
    // No ldd (distroless images): ask the process report below.
  }
  try {
    const report = process.report.getReport();
    if (report.header && report.header.glibcVersionRuntime) return 'glibc';
    const objects = Array.isArray(report.sharedObjects) ? report.sharedObjects : [];
    if (objects.some((f) => f.includes('libc.musl-') || f.includes('ld-musl-'))) return 'musl';
  } catch {
    // No report either: unknown.
  }
  return null;
}

/** This machine, as the fields of npm/platforms.json name it. */
function currentMachine() {
  return { os: process.platform, cpu: process.arch, libc: currentLibc() };
}

/**
 * The platform entries that can run here, best first. On Linux the package of
 * this machine's C library comes first; a glibc (or unknown) machine may also
 * run the musl binary, which links nothing at run time (a musl machine cannot
 * run the glibc one). Empty when no prebuilt binary exists for this os/cpu.
 */
function candidates(machine, table = TABLE.platforms) {
  const here = table.filter((p) => p.os === machine.os && p.cpu === machine.cpu);
  if (machine.os !== 'linux') return here;
  const order = machine.libc === 'musl' ? ['musl'] : ['glibc', 'musl'];
  return order.flatMap((libc) => here.filter((p) => p.libc === libc));
}

/** How a person names a machine in a message: "linux x64 (glibc)". */
function describe(machine) {
  const libc = machine.os === 'linux' ? ` (${machine.libc || 'unknown C library'})` : '';
  return `${machine.os} ${machine.cpu}${libc}`;
}

/**
 * The binary to run: `env.S3SYNC_BINARY` if set, else the first candidate
 * package that `resolve` (require.resolve) finds. Throws an Error whose
 * message says what is missing and how to fix it.
 */
function locate({ env = process.env, machine = currentMachine(), resolve = require.resolve, table = TABLE, version = ownVersion() } = {}) {
  const override = env[OVERRIDE];
  if (override) {
    if (!fs.existsSync(override)) {
      throw new Error(`${OVERRIDE}=${override}: no such file. Set ${OVERRIDE} to the path of an s3sync binary, or unset it to use the one this package installs.`);
    }
    return path.resolve(override);
  }
  const wanted = candidates(machine, table.platforms);
  for (const entry of wanted) {
    try {
      return resolve(`${entry.package}/${entry.binary}`);
    } catch {
      // Not installed: try the next candidate, then explain.
    }
  }
  throw new Error(missingMessage(machine, wanted, version, table));
}

/** The text for "no binary here": the platform, the package and the fix. */
function missingMessage(machine, wanted, version, table = TABLE) {
  const others = [
    'Or install s3sync another way and point the launcher at it:',
    '  cargo install --locked s3-asset-sync     (builds from source; Rust 1.95+)',
    '  pip install s3-asset-sync                (a prebuilt wheel)',
    `  then set ${OVERRIDE}=/path/to/s3sync`,
  ];
  if (wanted.length === 0) {
    const known = table.platforms.map((p) => describe(p)).join(', ');
    return [
      `s3sync: no prebuilt binary for ${describe(machine)}; the npm package ${table.launcher} ships them for ${known}.`,
      ...others,
    ].join('\n');
  }
  const expected = wanted[0].package;
  return [
    `s3sync: the binary for ${describe(machine)} is missing: the package ${expected} is not installed.`,
    `npm installs it with ${table.launcher} as an optional dependency, and skips it when optional dependencies`,
    'are omitted (--omit=optional, --no-optional) or when a lockfile written on another platform left it out.',
    `Fix: reinstall without --omit=optional (rm -rf node_modules && npm install), or add it: npm install ${expected}@${version}`,
    ...others,
  ].join('\n');
}

/** The launcher's version, which its platform packages carry too. */
function ownVersion() {
  return require('../package.json').version;
}

module.exports = { OVERRIDE, currentLibc, currentMachine, candidates, describe, locate, missingMessage };
