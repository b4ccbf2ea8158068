import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

/** Every TypeScript module under src/, by its path relative to src/. */
function modules(folder = SRC): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return modules(path);
    return entry.name.endsWith('.ts') ? [relative(SRC, path)] : [];
  });
}

/** The modules of src/ that `module` imports: static, dynamic and type-only imports alike, and re-exports. */
function importsOf(module: string): string[] {
  const text = readFileSync(join(SRC, module), 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'(\.{1,2}\/[^']+\.ts)'/g)].map((match) => match[1] as string);
  return specifiers.map((specifier) => relative(SRC, resolve(dirname(join(SRC, module)), specifier)));
}

const graph = new Map(modules().map((module) => [module, importsOf(module)]));

/** The import cycles: strongly connected components of more than one module, or a module importing itself (Tarjan). */
function cycles(): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (module: string) => {
    index.set(module, index.size);
    low.set(module, index.get(module) as number);
    stack.push(module);
    onStack.add(module);
    for (const imported of graph.get(module) ?? []) {
      if (!graph.has(imported)) continue;
      if (!index.has(imported)) {
        visit(imported);
        low.set(module, Math.min(low.get(module) as number, low.get(imported) as number));
      } else if (onStack.has(imported)) {
        low.set(module, Math.min(low.get(module) as number, index.get(imported) as number));
      }
    }
    if (low.get(module) !== index.get(module)) return;
    const component: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member);
      component.push(member);
      if (member === module) break;
    }
    if (component.length > 1 || graph.get(module)?.includes(module)) found.push(component.sort());
  };
  for (const module of graph.keys()) if (!index.has(module)) visit(module);
  return found;
}

test('the graph is read: modules import each other, and every import names a module that exists', () => {
  assert.ok(graph.size > 100);
  assert.ok(graph.get('ingest/consumer.ts')?.includes('ingest/session.ts'));
  const missing = [...graph].flatMap(([module, imports]) =>
    imports.filter((imported) => !graph.has(imported)).map((imported) => `${module} → ${imported}`),
  );
  assert.deepEqual(missing, []);
});

test('no import cycle under src/', () => {
  assert.deepEqual(cycles(), []);
});

test('ingest depends on neither the local broker nor the reports', () => {
  const crossings = [...graph]
    .filter(([module]) => module.startsWith('ingest/'))
    .flatMap(([module, imports]) =>
      imports
        .filter((imported) => imported.startsWith('broker/') || imported.startsWith('reports/'))
        .map((imported) => `${module} → ${imported}`),
    );
  assert.deepEqual(crossings, []);
});
