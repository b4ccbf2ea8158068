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

test('csv: a text a spreadsheet would run as a formula gets a leading quote; numbers, negative ones too, do not', () => {
  const csv = formatReport(
    {
      columns: ['name', 'total', 'quantity'],
      rows: [
        { name: '=1+2', total: '-12.50', quantity: -3 },
        { name: '+49 30 1234', total: '-0.05', quantity: '-0.485' },
        { name: '-2+3+cmd|calc', total: '12.50', quantity: 2 },
        { name: '@SUM(A1:A2)', total: '0.00', quantity: 0 },
        { name: '\tTabbed', total: '1', quantity: 1 },
        { name: '\rReturn', total: '1', quantity: 1 },
        { name: '=HYPERLINK("http://evil.example","Click")', total: '1', quantity: 1 },
        { name: '-', total: '1', quantity: 1 },
        { name: 'Café = fine', total: '1', quantity: 1 },
      ],
    },
    'csv',
  );
  assert.deepEqual(csv.split('\r\n'), [
    'name,total,quantity',
    "'=1+2,-12.50,-3",
    "'+49 30 1234,-0.05,-0.485",
    "'-2+3+cmd|calc,12.50,2",
    "'@SUM(A1:A2),0.00,0",
    "'\tTabbed,1,1",
    `"'\rReturn",1,1`,
    `"'=HYPERLINK(""http://evil.example"",""Click"")",1,1`,
    "'-,1,1",
    'Café = fine,1,1',
    '',
  ]);
});
