import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FACTORY = 'src/kafka/clients.ts';

/** Every TypeScript module under `folder`, by its path relative to the repository. */
function modules(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return modules(path);
    return entry.name.endsWith('.ts') ? [relative(ROOT, path)] : [];
  });
}

/** Where each module builds a Kafka client itself, or spreads the connection's client options: `path:line: text`. */
function constructions(pattern: RegExp): string[] {
  return ['src', 'bench'].flatMap((folder) =>
    modules(join(ROOT, folder)).flatMap((module) =>
      readFileSync(join(ROOT, module), 'utf8')
        .split('\n')
        .flatMap((line, index) => (pattern.test(line) ? [`${module}:${index + 1}: ${line.trim()}`] : [])),
    ),
  );
}

test('every Kafka client of src/ and bench/ is built by src/kafka/clients.ts (with the security settings and metrics)', () => {
  const built = constructions(/\bnew\s+(Consumer|Producer|Admin|Connection)\s*[<(]/);
  assert.deepEqual(
    built.filter((site) => !site.startsWith(`${FACTORY}:`)),
    [],
    'build the client with createConsumer / createProducer / createAdmin / createConnection',
  );
  // Not vacuous: the factory itself is found.
  for (const client of ['Consumer', 'Producer', 'Admin', 'Connection']) {
    assert.ok(
      built.some((site) => site.startsWith(`${FACTORY}:`) && site.includes(`new ${client}(`)),
      `${FACTORY} builds the ${client}`,
    );
  }
});

test('only the factories turn a connection into client options', () => {
  const spread = constructions(/\bkafkaClientOptions\s*\(/);
  assert.deepEqual(
    spread.filter((site) => !site.startsWith(`${FACTORY}:`)),
    [],
  );
});
