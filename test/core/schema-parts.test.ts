import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { schemaParts } from '../../src/core/schema-parts.js';

const newAjv = (): Ajv => new Ajv({ strict: false, inlineRefs: false, logger: false });

/** Ten objects: large enough to be a part of its own. */
const TIMEOUT = {
  type: 'object',
  properties: {
    connect: { type: 'number', exclusiveMinimum: 0 },
    send: { type: 'number', exclusiveMinimum: 0 },
    read: { type: 'number', exclusiveMinimum: 0 },
    extra: { anyOf: [{ type: 'string' }, { type: 'integer' }, { type: 'null' }] },
  },
  required: ['connect', 'send', 'read'],
};

const ROUTE = { type: 'object', properties: { uri: { type: 'string' }, timeout: TIMEOUT } };
const SERVICE = { type: 'object', properties: { timeout: TIMEOUT }, additionalProperties: false };

const partIds = (ajv: Ajv): string[] =>
  Object.keys(ajv.schemas).filter((id) => id.startsWith('gatehouse-part-'));

void describe('schemaParts', () => {
  const cases: { desc: string; schema: object; value: unknown; want: boolean }[] = [
    {
      desc: 'accepts a valid value',
      schema: ROUTE,
      value: { uri: '/', timeout: T(1) },
      want: true,
    },
    {
      desc: 'rejects a value whose part fails',
      schema: ROUTE,
      value: { uri: '/', timeout: T(0) },
      want: false,
    },
    {
      desc: 'rejects a missing required property of a part',
      schema: ROUTE,
      value: { timeout: {} },
      want: false,
    },
    { desc: 'rejects outside the parts', schema: ROUTE, value: { uri: 1 }, want: false },
    {
      desc: 'keeps additionalProperties beside parts',
      schema: SERVICE,
      value: { x: 1 },
      want: false,
    },
  ];
  for (const c of cases) {
    void test(c.desc, () => {
      assert.equal(schemaParts(newAjv())(c.schema)?.(c.value), c.want);
    });
  }

  void test('compiles a sub-schema that two schemas hold once', () => {
    const ajv = newAjv();
    const plainOf = schemaParts(ajv);
    plainOf(ROUTE);
    plainOf(SERVICE);
    plainOf(TIMEOUT);
    assert.equal(partIds(ajv).length, 3);
  });

  void test('keeps a small sub-schema inside its parent', () => {
    const ajv = newAjv();
    schemaParts(ajv)({ type: 'object', properties: { a: { type: 'integer', minimum: 1 } } });
    assert.equal(partIds(ajv).length, 1);
  });

  void test('leaves a schema with references or definitions to its caller', () => {
    const plainOf = schemaParts(newAjv());
    assert.equal(plainOf({ properties: { a: { $ref: '#/definitions/a' } } }), undefined);
    assert.equal(plainOf({ allOf: [TIMEOUT, { nullable: true, type: 'object' }] }), undefined);
  });
});

function T(n: number): Record<string, number> {
  return { connect: n, send: 1, read: 1 };
}
