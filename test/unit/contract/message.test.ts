import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  CUSTOMER_FIELDS,
  LINE_FIELDS,
  LINE_FIELDS_V2,
  PAYMENT_FIELDS,
  SCHEMA_VERSIONS,
  STORE_FIELDS,
  TAX_COMPONENT_FIELDS,
  TAX_TOTAL_FIELDS,
  TRANSACTION_FIELDS,
  TRANSACTION_FIELDS_V2,
} from '../../../src/contract/message.ts';
import { SCHEMA_PATH, SCHEMA_PATHS } from '../../../src/contract/validate.ts';

interface SchemaObject {
  required: string[];
  properties: Record<string, unknown>;
}
type Schema = SchemaObject & { $defs: Record<string, SchemaObject> };

const read = (path: URL) => JSON.parse(readFileSync(path, 'utf8')) as Schema;
const schema = read(SCHEMA_PATH);
const schemaV2 = read(SCHEMA_PATHS[2]);

/** The object schema at `node` of `root`: itself, behind a $ref, the items of an array, or the object branch of an anyOf. */
function objectAt(root: Schema, node: unknown): SchemaObject {
  const { $ref, items, anyOf } = node as { $ref?: string; items?: unknown; anyOf?: unknown[] };
  if ($ref) return objectAt(root, root.$defs[$ref.replace('#/$defs/', '')]);
  if (items) return objectAt(root, items);
  if (anyOf)
    return objectAt(
      root,
      anyOf.find((branch) => (branch as { type?: string }).type === 'object'),
    );
  return node as SchemaObject;
}

function assertFields(objects: [string, SchemaObject, readonly string[]][]): void {
  for (const [name, object, fields] of objects) {
    assert.deepEqual(Object.keys(object.properties), [...fields], `${name}: properties`);
    assert.deepEqual([...object.required].sort(), [...fields].sort(), `${name}: required`);
  }
}

test("the JSON Schema's objects have exactly the contract's fields, in the contract's order, all required", () => {
  assertFields([
    ['transaction', schema, TRANSACTION_FIELDS],
    ['store', objectAt(schema, schema.properties.store), STORE_FIELDS],
    ['customer', objectAt(schema, schema.properties.customer), CUSTOMER_FIELDS],
    ['line', objectAt(schema, schema.properties.items), LINE_FIELDS],
    ['payment', objectAt(schema, schema.properties.payment), PAYMENT_FIELDS],
  ]);
});

test("contract v2's JSON Schema has the v2 lists' fields, in their order, all required", () => {
  const line = objectAt(schemaV2, schemaV2.properties.items);
  assertFields([
    ['transaction', schemaV2, TRANSACTION_FIELDS_V2],
    ['store', objectAt(schemaV2, schemaV2.properties.store), STORE_FIELDS],
    ['customer', objectAt(schemaV2, schemaV2.properties.customer), CUSTOMER_FIELDS],
    ['line', line, LINE_FIELDS_V2],
    ['tax component', objectAt(schemaV2, line.properties.taxes), TAX_COMPONENT_FIELDS],
    ['tax total', objectAt(schemaV2, schemaV2.properties.tax_totals), TAX_TOTAL_FIELDS],
    ['payment', objectAt(schemaV2, schemaV2.properties.payment), PAYMENT_FIELDS],
  ]);
});

test("contract v2's JSON Schema is v1's with the tax components and totals, and v2's rates, and nothing else changed", () => {
  const v2 = structuredClone(schemaV2) as unknown as Record<string, unknown> & Schema;
  const v1 = structuredClone(schema) as unknown as Record<string, unknown> & Schema;
  // What v2 adds, taken out again.
  const line = v2.$defs.line as SchemaObject;
  for (const [object, field] of [
    [v2, 'tax_totals'],
    [line, 'taxes'],
  ] as const) {
    delete object.properties[field];
    object.required = object.required.filter((name) => name !== field);
  }
  for (const name of ['rate', 'taxCode', 'jurisdiction', 'taxComponent', 'taxTotal']) delete v2.$defs[name];
  // A v2 line's rate has 4 to 6 places (v1's 4), and its tax is the sum of its components.
  assert.deepEqual(line.properties.tax_rate, {
    $ref: '#/$defs/rate',
    description: 'the sum of the rates of taxes ("0.0000" when there is none)',
  });
  assert.deepEqual(schemaV2.$defs.rate, {
    type: 'string',
    pattern: '^0\\.\\d{4,6}$',
    description: 'a decimal fraction of 4 to 6 places',
  });
  line.properties.tax_rate = (v1.$defs.line as SchemaObject).properties.tax_rate;
  line.properties.tax = (v1.$defs.line as SchemaObject).properties.tax;
  assert.deepEqual(v2.properties.schema_version, { const: 2 });
  for (const key of ['$id', 'title', 'description']) {
    assert.equal(typeof v2[key], 'string');
    v2[key] = v1[key];
  }
  v2.properties.schema_version = v1.properties.schema_version;
  assert.deepEqual(v2, v1);
});

test("the v2 schema's patterns are the ones the design gives", () => {
  const patterns = (name: string) => (schemaV2.$defs[name] as unknown as { pattern: string }).pattern;
  assert.equal(patterns('taxCode'), '^[A-Z][A-Z0-9-]{1,15}$');
  assert.equal(patterns('jurisdiction'), '^[A-Z]{2}(-[A-Z0-9]{1,3})?$');
  assert.equal(patterns('rate'), '^0\\.\\d{4,6}$');
  const taxes = (schemaV2.$defs.line as SchemaObject).properties.taxes as { maxItems: number };
  assert.equal(taxes.maxItems, 8);
});

test('there is a schema file for every version the consumer reads', () => {
  for (const version of SCHEMA_VERSIONS) {
    const file = read(SCHEMA_PATHS[version]) as unknown as { $id: string; properties: { schema_version: unknown } };
    assert.equal(file.$id, `urn:pos-pipeline:schema:pos-transaction:v${version}`);
    assert.deepEqual(file.properties.schema_version, { const: version });
    assert.ok(SCHEMA_PATHS[version].pathname.endsWith(`/schemas/pos-transaction.v${version}.json`));
  }
});
