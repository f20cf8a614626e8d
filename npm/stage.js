#!/usr/bin/env node
// Writes the npm packages, ready for `npm pack` or `npm publish`, from the
// sources in npm/ and binaries built elsewhere: the launcher `s3-asset-sync`
// and one platform package per binary given. Every package.json is generated
// here, with the version of Cargo.toml, so no copy can drift.
//
//   node npm/stage.js --out DIR [--binary PLATFORM=PATH]... [--repository URL]
//
// PLATFORM is a package name (s3-asset-sync-linux-x64) or a Rust target
// (x86_64-unknown-linux-gnu) from npm/launcher/platforms.json. --repository
// (https://github.com/OWNER/REPO) is what `npm publish --provenance` checks.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const launcherSource = path.join(__dirname, 'launcher');
const table = require('./launcher/platforms.json');

const DESCRIPTION = 'Publish a built static-asset tree to S3 (or a directory), exactly and fast: the s3sync command';
const LICENSE = 'MIT OR Apache-2.0';
const KEYWORDS = ['s3', 'deploy', 'static site', 'assets', 'cloudfront', 'vite', 'cli'];

function fail(message) {
  process.stderr.write(`npm/stage.js: ${message}\n`);
  process.exit(2);
}

/** The crate's version: `version` in Cargo.toml's [package] table. */
function cargoVersion() {
  const text = fs.readFileSync(path.join(root, 'Cargo.toml'), 'utf8');
  const section = text.split(/^\[/m).find((s) => s.startsWith('package]'));
  const found = section && section.match(/^version\s*=\s*"([^"]+)"/m);
  if (!found) fail('Cargo.toml has no [package] version = "X.Y.Z"');
  return found[1];
}

function parseArgs(argv) {
  const args = { out: null, binaries: [], repository: null };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (!['--out', '--binary', '--repository'].includes(flag)) {
      fail(`unknown argument ${flag}: use --out DIR, --binary PLATFORM=PATH, --repository URL`);
    }
    if (value === undefined) fail(`${flag} needs a value`);
    i += 1;
    if (flag === '--out') args.out = path.resolve(value);
    if (flag === '--repository') args.repository = value.replace(/\/+$/, '');
    if (flag === '--binary') {
      const at = value.indexOf('=');
      if (at < 1) fail(`--binary ${value}: write PLATFORM=PATH (e.g. x86_64-unknown-linux-gnu=target/release/s3sync)`);
      const key = value.slice(0, at);
      const entry = table.platforms.find((p) => p.package === key || p.target === key);
      if (!entry) {
        const known = table.platforms.map((p) => `${p.package} (${p.target})`).join(', ');
        fail(`--binary ${key}: not a platform of npm/launcher/platforms.json; one of ${known}`);
      }
      const file = path.resolve(value.slice(at + 1));
      if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) fail(`--binary ${key}: ${file} is not a file (build it first)`);
      args.binaries.push({ entry, file });
    }
  }
  if (!args.out) fail('--out DIR is required');
  return args;
}

function repositoryField(url) {
  return url ? { repository: { type: 'git', url: `git+${url}.git` }, homepage: `${url}#readme` } : {};
}

function writeJson(file, value) {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function stageLauncher(out, version, repository) {
  const dir = path.join(out, table.launcher);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(launcherSource, dir, { recursive: true });
  fs.copyFileSync(path.join(__dirname, 'README.md'), path.join(dir, 'README.md'));
  fs.chmodSync(path.join(dir, 'bin', 's3sync.js'), 0o755);
  const optional = Object.fromEntries(table.platforms.map((p) => [p.package, version]));
  writeJson(path.join(dir, 'package.json'), {
    name: table.launcher,
    version,
    description: DESCRIPTION,
    license: LICENSE,
    keywords: KEYWORDS,
    ...repositoryField(repository),
    bin: { s3sync: 'bin/s3sync.js' },
    files: ['bin/', 'lib/', 'platforms.json'],
    engines: { node: '>=18' },
    optionalDependencies: optional,
  });
  return dir;
}

function stagePlatform(out, version, repository, { entry, file }) {
  const dir = path.join(out, entry.package);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const binary = path.join(dir, entry.binary);
  fs.copyFileSync(file, binary);
  fs.chmodSync(binary, 0o755);
  const libc = entry.libc ? ` (${entry.libc})` : '';
  fs.writeFileSync(
    path.join(dir, 'README.md'),
    `# ${entry.package}\n\nThe \`s3sync\` binary for ${entry.os} ${entry.cpu}${libc} (${entry.target}).\n` +
      `Install [\`${table.launcher}\`](https://www.npmjs.com/package/${table.launcher}) instead: it installs the one package your machine needs.\n`,
  );
  writeJson(path.join(dir, 'package.json'), {
    name: entry.package,
    version,
    description: `The s3sync binary for ${entry.os} ${entry.cpu}${libc}, installed by ${table.launcher}`,
    license: LICENSE,
    ...repositoryField(repository),
    os: [entry.os],
    cpu: [entry.cpu],
    ...(entry.libc ? { libc: [entry.libc] } : {}),
    files: [entry.binary],
    // Yarn PnP: keep the binary on disk, not in a zip it cannot execute.
    preferUnplugged: true,
  });
  return dir;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const version = cargoVersion();
  fs.mkdirSync(args.out, { recursive: true });
  const dirs = [stageLauncher(args.out, version, args.repository)];
  for (const binary of args.binaries) dirs.push(stagePlatform(args.out, version, args.repository, binary));
  // One staged folder a line, the launcher first: what npm-pack.sh packs.
  process.stdout.write(`${dirs.join('\n')}\n`);
}

main();
