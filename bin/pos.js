#!/usr/bin/env node
// In a checkout, run the TypeScript source as it is (Node strips the types);
// an installed package runs the build in dist/, as Node will not strip types under node_modules.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `pos: needs Node.js 22.18 or newer; this is ${process.version} (${process.execPath}).\n` +
      'In a checkout, run it through npm (`npx pos …` or `npm run pos -- …`): they use the Node 24 that `npm ci` installs.\n',
  );
  process.exit(1);
}

// Heap settings sized for the work rather than for the machine (V8 otherwise lets the heap grow
// to hundreds of megabytes before collecting): the consumer holds whole batches and stays under
// 300 MB with a small young generation (collecting on the allocating thread alone,
// --single-threaded-gc, saved 6% of CPU under a backlog but raised the p99 latency at 1,000
// messages/s from 142 to 163 – 239 ms); its old generation may double between full collections
// rather than grow by V8's own factor (about 1.4 here, a full collection every batch): 8% less
// CPU under a backlog for some 20 MB;
// the simulator makes millions of short-lived objects and runs faster with a large one. Node
// takes these flags only at start, so the process replaces itself once with them set (same pid,
// same signals); where it cannot (Windows), it runs as it is.
// Two malloc arenas instead of glibc's eight per core: the threads' freed buffers are reused
// rather than kept in arenas of their own (some 20 MB of the consumer's peak). Outside the
// simulator, buffers of a megabyte or more (a batch's text) are mapped and unmapped on their own
// rather than carved from the heap, where freed ones left holes: 10 MB less at the peak of two
// members.
// `pos start` runs PGlite's WebAssembly at a demo's pace and keeps V8's baseline code for it
// (Liftoff): optimizing PostgreSQL's hottest functions with TurboFan took some 500 MB for a few
// seconds after start (peak RSS 894 – 1,174 MB, against 380 – 410 MB running). On Liftoff, PGlite's
// queries run at about half speed; no other code here is WebAssembly.
const args = process.argv.slice(2);
const command = commandName(args);
const simulating = command === 'simulate';
const HEAP_FLAGS = simulating
  ? ['--max-semi-space-size=32']
  : [
      '--max-semi-space-size=8',
      '--max-old-space-size=512',
      '--heap-growing-percent=100',
      ...(command === 'start' ? ['--liftoff-only'] : []),
    ];
if (typeof process.execve === 'function' && !process.execArgv.some((arg) => arg.startsWith('--max-semi-space-size'))) {
  const self = fileURLToPath(import.meta.url);
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...HEAP_FLAGS, self, ...args], {
    MALLOC_ARENA_MAX: '2',
    ...(simulating ? {} : { MALLOC_MMAP_THRESHOLD_: '1048576' }),
    ...process.env,
  });
}

/** The command, after any global option (`pos --log-level debug simulate …`). */
function commandName(args) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--log-level') i++;
    else if (!args[i].startsWith('-')) return args[i];
  }
  return undefined;
}

const source = new URL('../src/cli/main.ts', import.meta.url);
const entry = existsSync(source) ? source : new URL('../dist/cli/main.js', import.meta.url);
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
