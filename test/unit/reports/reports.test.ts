import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REPORTS } from '../../../src/reports/reports.ts';

/** The tables a query reads, by the names after `from` and `join`. */
const tablesRead = (sql: string) =>
  [...new Set([...sql.matchAll(/\b(?:from|join)\s+(pos\.\w+)/g)].map((match) => match[1]))].sort();

test('each report reads the aggregates and dimensions only; its reference, factSql, the facts and dimensions only', () => {
  for (const report of REPORTS) {
    const read = tablesRead(report.sql);
    assert.ok(
      read.some((table) => table?.startsWith('pos.agg_')),
      `${report.name} reads no aggregate: ${read.join(', ')}`,
    );
    assert.deepEqual(
      read.filter((table) => !/^pos\.(agg|dim)_/.test(table ?? '')),
      [],
      `${report.name} reads more than aggregates and dimensions`,
    );
    const reference = tablesRead(report.factSql);
    assert.ok(
      reference.some((table) => table?.startsWith('pos.fact_')),
      `${report.name}'s factSql reads no fact: ${reference.join(', ')}`,
    );
    assert.deepEqual(
      reference.filter((table) => !/^pos\.(fact|dim)_/.test(table ?? '')),
      [],
      `${report.name}'s factSql reads more than facts and dimensions`,
    );
  }
});

test('report names are unique', () => {
  const names = REPORTS.map((report) => report.name);
  assert.deepEqual([...new Set(names)], names);
});
