#!/usr/bin/env node
// The `s3sync` command of the npm package s3-asset-sync: finds the native
// binary that npm installed with it (one optional dependency per platform,
// npm/launcher/platforms.json) and runs it in this process's place. No
// download at install or run time: the binary came with `npm install`.
'use strict';

const { locate } = require('../lib/platform.js');
const { run } = require('../lib/run.js');

let binary;
try {
  binary = locate();
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  // 2, s3sync's "any error": 1 would read as `diff --exit-code`'s "pending changes".
  process.exit(2);
}
run(binary, process.argv.slice(2));
