// The launcher's choice of binary, on every platform it knows and some it
// does not: which packages it looks for and in what order, the override, and
// what the "missing" message tells a user. Run by scripts/test-npm.sh
// (`node --test npm/test/`); the installed package is tested there too.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const platform = require('../launcher/lib/platform.js');
const table = require('../launcher/platforms.json');

const packages = (machine) => platform.candidates(machine).map((p) => p.package);
const notInstalled = () => {
  throw Object.assign(new Error('Cannot find module'), { code: 'MODULE_NOT_FOUND' });
};

test('each platform package is chosen by exactly the machine it declares', () => {
  for (const entry of table.platforms) {
    const machine = { os: entry.os, cpu: entry.cpu, libc: entry.libc || null };
    assert.equal(packages(machine)[0], entry.package, `${entry.package} for ${platform.describe(machine)}`);
  }
  const names = table.platforms.map((p) => p.package);
  assert.equal(new Set(names).size, names.length, 'package names are unique');
  assert.ok(names.every((n) => n.startsWith(`${table.launcher}-`)), 'every package is named after the launcher');
});

test('linux glibc may fall back to the static musl binary, musl never to glibc', () => {
  assert.deepEqual(packages({ os: 'linux', cpu: 'x64', libc: 'glibc' }), ['s3-asset-sync-linux-x64', 's3-asset-sync-linux-x64-musl']);
  assert.deepEqual(packages({ os: 'linux', cpu: 'arm64', libc: 'musl' }), ['s3-asset-sync-linux-arm64-musl']);
  assert.deepEqual(packages({ os: 'linux', cpu: 'x64', libc: null }), ['s3-asset-sync-linux-x64', 's3-asset-sync-linux-x64-musl']);
});

test('windows runs s3sync.exe, the others s3sync', () => {
  const resolved = [];
  const resolve = (request) => {
    resolved.push(request);
    return `/nm/${request}`;
  };
  const got = platform.locate({ env: {}, machine: { os: 'win32', cpu: 'x64', libc: null }, resolve, version: '1.2.3' });
  assert.equal(got, '/nm/s3-asset-sync-win32-x64/s3sync.exe');
  assert.deepEqual(resolved, ['s3-asset-sync-win32-x64/s3sync.exe']);
  const mac = platform.locate({ env: {}, machine: { os: 'darwin', cpu: 'arm64', libc: null }, resolve, version: '1.2.3' });
  assert.equal(mac, '/nm/s3-asset-sync-darwin-arm64/s3sync');
});

test('the second candidate is used when the first is not installed', () => {
  const resolve = (request) => {
    if (!request.includes('-musl/')) notInstalled();
    return `/nm/${request}`;
  };
  const got = platform.locate({ env: {}, machine: { os: 'linux', cpu: 'x64', libc: 'glibc' }, resolve, version: '1.2.3' });
  assert.equal(got, '/nm/s3-asset-sync-linux-x64-musl/s3sync');
});

test('a missing platform package: the message names the platform, the package, and the fixes', () => {
  const machine = { os: 'linux', cpu: 'arm64', libc: 'musl' };
  assert.throws(
    () => platform.locate({ env: {}, machine, resolve: notInstalled, version: '1.2.3' }),
    (error) => {
      const text = error.message;
      assert.match(text, /linux arm64 \(musl\)/);
      assert.match(text, /the package s3-asset-sync-linux-arm64-musl is not installed/);
      assert.match(text, /--omit=optional/);
      assert.match(text, /npm install s3-asset-sync-linux-arm64-musl@1\.2\.3/);
      assert.match(text, /cargo install --locked s3-asset-sync/);
      assert.match(text, /pip install s3-asset-sync/);
      assert.match(text, /S3SYNC_BINARY=/);
      return true;
    },
  );
});

test('an unsupported platform: no package to expect, the other ways to install', () => {
  const machine = { os: 'freebsd', cpu: 'x64', libc: null };
  assert.deepEqual(packages(machine), []);
  assert.throws(
    () => platform.locate({ env: {}, machine, resolve: notInstalled, version: '1.2.3' }),
    /no prebuilt binary for freebsd x64; the npm package s3-asset-sync ships them for linux x64 \(glibc\).*win32 x64\.\n.*\n {2}cargo install/s,
  );
});

test('S3SYNC_BINARY wins over the packages, and must exist', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3sync-npm-'));
  const file = path.join(dir, 's3sync');
  fs.writeFileSync(file, '');
  const machine = { os: 'freebsd', cpu: 'riscv64', libc: null };
  assert.equal(platform.locate({ env: { S3SYNC_BINARY: file }, machine, resolve: notInstalled, version: '1' }), file);
  assert.throws(
    () => platform.locate({ env: { S3SYNC_BINARY: path.join(dir, 'nope') }, machine, resolve: notInstalled, version: '1' }),
    /S3SYNC_BINARY=.*nope: no such file\. Set S3SYNC_BINARY to the path of an s3sync binary, or unset it/,
  );
  fs.rmSync(dir, { recursive: true });
});

test('this machine\'s C library is recognised (Linux), or not asked for', () => {
  const libc = platform.currentLibc();
  if (process.platform === 'linux') assert.ok(['glibc', 'musl'].includes(libc), `libc ${libc}`);
  else assert.equal(libc, null);
});
