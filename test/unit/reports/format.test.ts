import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatReport } from '../../../src/reports/format.ts';

const result = {
  columns: ['store_id', 'name', 'total'],
  rows: [
    { store_id: 'S001', name: 'Harbor "East", Market', total: '1234.50' },
    { store_id: 'S002', name: 'Midtown', total: '-7.25' },
  ],
};

test('table: a header, a rule, text left and numbers right', () => {
  assert.equal(
    formatReport(result, 'table'),
    [
      'store_id  name                     total',
      '--------  ---------------------  -------',
      'S001      Harbor "East", Market  1234.50',
      'S002      Midtown                  -7.25',
      '',
    ].join('\n'),
  );
  assert.match(formatReport({ columns: ['a'], rows: [] }, 'table'), /\(no rows\)/);
});

test('csv: RFC 4180, quoting what needs it', () => {
  assert.equal(
    formatReport(result, 'csv'),
    'store_id,name,total\r\nS001,"Harbor ""East"", Market",1234.50\r\nS002,Midtown,-7.25\r\n',
  );
});

test('json: the rows as objects, money kept as decimal strings', () => {
  assert.deepEqual(JSON.parse(formatReport(result, 'json')), result.rows);
});
