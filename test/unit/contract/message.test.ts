import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CUSTOMER_FIELDS, LINE_FIELDS, PAYMENT_FIELDS, STORE_FIELDS, TRANSACTION_FIELDS } from '../../../src/contract/message.ts';
import { SCHEMA_PATH } from '../../../src/contract/validate.ts';

interface SchemaObject {
  required: string[];
  properties: Record<string, unknown>;
}

const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as SchemaObject & { $defs: Record<string, SchemaObject> };
/** The object schema at `node`: itself, behind a $ref, the items of an array, or the object branch of an anyOf. */
function objectAt(node: unknown): SchemaObject {
  const { $ref, items, anyOf } = node as { $ref?: string; items?: unknown; anyOf?: unknown[] };
  if ($ref) return objectAt(schema.$defs[$ref.replace('#/$defs/', '')]);
  if (items) return objectAt(items);
  if (anyOf) return objectAt(anyOf.find((branch) => (branch as { type?: string }).type === 'object'));
  return node as SchemaObject;
}

test("the JSON Schema's objects have exactly the contract's fields, in the contract's order, all required", () => {
  const objects: [string, SchemaObject, readonly string[]][] = [
    ['transaction', schema, TRANSACTION_FIELDS],
    ['store', objectAt(schema.properties.store), STORE_FIELDS],
    ['customer', objectAt(schema.properties.customer), CUSTOMER_FIELDS],
    ['line', objectAt(schema.properties.items), LINE_FIELDS],
    ['payment', objectAt(schema.properties.payment), PAYMENT_FIELDS],
  ];
  for (const [name, object, fields] of objects) {
    assert.deepEqual(Object.keys(object.properties), [...fields], `${name}: properties`);
    assert.deepEqual([...object.required].sort(), [...fields].sort(), `${name}: required`);
  }
});
