#!/usr/bin/env node
'use strict';
// The installed `clusterdeck` command: runs the built CLI, or says how to build it.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const cli = join(__dirname, '..', 'dist', 'electron', 'server', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write('clusterdeck: not built yet: run `npm run build` in ' + join(__dirname, '..') + '\n');
  process.exit(1);
}
require(cli)
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
