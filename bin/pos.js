#!/usr/bin/env node
// In a checkout, run the TypeScript source as it is (Node strips the types);
// an installed package runs the build in dist/, as Node will not strip types under node_modules.
import { existsSync } from 'node:fs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `pos: needs Node.js 22.18 or newer; this is ${process.version} (${process.execPath}).\n` +
      'In a checkout, run it through npm (`npx pos …` or `npm run pos -- …`): they use the Node 24 that `npm ci` installs.\n',
  );
  process.exit(1);
}

const source = new URL('../src/cli/main.ts', import.meta.url);
const entry = existsSync(source) ? source : new URL('../dist/cli/main.js', import.meta.url);
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
