import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { silentLogger } from '../../../src/plumbing/logger.ts';
import {
  createEmbedded,
  EMBEDDED_TEMPLATE,
  installedPgliteVersion,
  readsTemplateOf,
  templateVersion,
} from '../../../src/warehouse/embedded-template.ts';

describe('a new embedded database starts from the stored initdb template', () => {
  const folder = mkdtempSync(join(tmpdir(), 'pos-embedded-template-'));
  after(() => rmSync(folder, { recursive: true, force: true }));

  test('the template was made by the PGlite installed (after an upgrade: npm run embedded:template)', () => {
    assert.equal(templateVersion(), installedPgliteVersion());
  });

  test('loaded from the template, the database serves queries and has the catalogue initdb makes', async () => {
    const { pglite, from } = await createEmbedded(join(folder, 'from-template'), {}, silentLogger);
    try {
      assert.equal(from, 'template');
      const rows = await pglite.query<{ datname: string }>('select datname from pg_database order by datname');
      assert.deepEqual(
        rows.rows.map((row) => row.datname),
        ['postgres', 'template0', 'template1'],
      );
      await pglite.exec('create table t (n int); insert into t values (1)');
      assert.equal((await pglite.query<{ n: number }>('select n from t')).rows[0]?.n, 1);
    } finally {
      await pglite.close();
    }
  });

  test('a template that does not load (damaged) leaves no trace: the database is made by initdb instead', async () => {
    const damaged = {
      archive: pathToFileURL(join(folder, 'damaged.tar.gz')),
      manifest: pathToFileURL(join(folder, 'damaged.json')),
    };
    writeFileSync(damaged.archive, 'not a gzipped tar');
    writeFileSync(damaged.manifest, JSON.stringify({ pglite: installedPgliteVersion() }));
    const { pglite, from } = await createEmbedded(join(folder, 'from-damaged'), {}, silentLogger, damaged);
    try {
      assert.equal(from, 'initdb');
      assert.equal((await pglite.query<{ one: number }>('select 1 as one')).rows[0]?.one, 1);
    } finally {
      await pglite.close();
    }
  });

  test('a template is read by the PGlite release series that made it (0.5.x; from 1.0, a major version)', () => {
    assert.equal(readsTemplateOf('0.5.17', '0.5.16'), true);
    assert.equal(readsTemplateOf('0.5.16', '0.5.16'), true);
    assert.equal(readsTemplateOf('0.6.0', '0.5.16'), false);
    assert.equal(readsTemplateOf('1.2.0', '1.0.3'), true);
    assert.equal(readsTemplateOf('2.0.0', '1.0.3'), false);
  });

  test('a template made by another PGlite series is not used', async () => {
    const other = {
      archive: EMBEDDED_TEMPLATE.archive,
      manifest: pathToFileURL(join(folder, 'other.json')),
    };
    writeFileSync(other.manifest, JSON.stringify({ pglite: '0.0.1' }));
    const { pglite, from } = await createEmbedded(join(folder, 'from-other'), {}, silentLogger, other);
    await pglite.close();
    assert.equal(from, 'initdb');
  });
});
