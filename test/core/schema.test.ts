import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateSchema, withSchemaDefaults } from '../../src/core/schema.js';

const ID = {
  anyOf: [
    { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9-_.]+$' },
    { type: 'integer', minimum: 1 },
  ],
};

const ROUTE_LIKE = {
  type: 'object',
  properties: {
    id: ID,
    uri: { type: 'string', minLength: 1, maxLength: 4096 },
    uris: { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true },
    username: { type: 'string' },
    status: { type: 'integer', enum: [1, 0], default: 1 },
    labels: { type: 'object', patternProperties: { '.*': { type: 'string', pattern: '^\\S+$' } } },
    timeout: {
      type: 'object',
      properties: {
        connect: { type: 'number', exclusiveMinimum: 0 },
        send: { type: 'number', exclusiveMinimum: 0 },
      },
      required: ['connect', 'send'],
    },
    retries: { type: 'integer', minimum: 0, maximum: 599 },
    name: { type: 'string', pattern: '^[a-z]+$' },
    upstream: {
      type: 'object',
      properties: {
        nodes: { type: 'object', patternProperties: { '.*': { type: 'integer', minimum: 0 } } },
        checks: {
          type: 'object',
          anyOf: [{ required: ['active'] }, { required: ['active', 'passive'] }],
        },
        tls: {
          type: 'object',
          properties: { client_cert: { type: 'string' }, client_key: { type: 'string' } },
          dependencies: { client_cert: { required: ['client_key'] } },
        },
      },
      additionalProperties: false,
    },
    either: { type: ['string', 'integer'] },
  },
  allOf: [{ oneOf: [{ required: ['uri'] }, { required: ['uris'] }] }],
  additionalProperties: false,
};

const SSL_LIKE = {
  type: 'object',
  properties: { type: { type: 'string', enum: ['server', 'client'] }, sni: { type: 'string' } },
  if: { properties: { type: { enum: ['server'] } } },
  then: { required: ['sni'] },
};

const cases: { desc: string; schema: object; value: unknown; want: string | undefined }[] = [
  { desc: 'accepts a valid value', schema: ROUTE_LIKE, value: { uri: '/a' }, want: undefined },
  {
    desc: 'reports a wrong type with the Lua type name',
    schema: ROUTE_LIKE,
    value: { uri: 1 },
    want: 'property "uri" validation failed: wrong type: expected string, got number',
  },
  {
    desc: 'calls objects and arrays tables',
    schema: ROUTE_LIKE,
    value: { uri: ['x'] },
    want: 'property "uri" validation failed: wrong type: expected string, got table',
  },
  {
    desc: 'calls null userdata',
    schema: ROUTE_LIKE,
    value: { uri: null },
    want: 'property "uri" validation failed: wrong type: expected string, got userdata',
  },
  {
    desc: 'lists every allowed type',
    schema: ROUTE_LIKE,
    value: { uri: '/', either: true },
    want: 'property "either" validation failed: wrong type: expected one of string, integer, got boolean',
  },
  {
    desc: 'reports a string that is too short',
    schema: ROUTE_LIKE,
    value: { uri: '' },
    want: 'property "uri" validation failed: string too short, expected at least 1, got 0',
  },
  {
    desc: 'reports an array with too few items',
    schema: ROUTE_LIKE,
    value: { uris: [] },
    want: 'property "uris" validation failed: expect array to have at least 1 items',
  },
  {
    desc: 'reports duplicate items 1-based',
    schema: ROUTE_LIKE,
    value: { uris: ['/a', '/a'] },
    want: 'property "uris" validation failed: expected unique items but items 1 and 2 are equal',
  },
  {
    desc: 'reports the failing item',
    schema: ROUTE_LIKE,
    value: { uris: ['/a', 2] },
    want: 'property "uris" validation failed: failed to validate item 2: wrong type: expected string, got number',
  },
  {
    desc: 'reports an unknown property',
    schema: ROUTE_LIKE,
    value: { uri: '/a', foo: 1 },
    want: 'additional properties forbidden, found foo',
  },
  {
    desc: 'reports an invalid property before an unknown one, as api7 does',
    schema: ROUTE_LIKE,
    value: { uri: 5, foo: 1 },
    want: 'property "uri" validation failed: wrong type: expected string, got number',
  },
  {
    desc: 'reports a value outside an enum',
    schema: ROUTE_LIKE,
    value: { uri: '/', status: 3 },
    want: 'property "status" validation failed: matches none of the enum values',
  },
  {
    desc: 'reports an id matching neither form',
    schema: ROUTE_LIKE,
    value: { uri: '/', id: 'a b' },
    want: 'property "id" validation failed: object matches none of the required',
  },
  {
    desc: 'reports exclusiveMinimum as greater than',
    schema: ROUTE_LIKE,
    value: { uri: '/', timeout: { connect: 0, send: 1 } },
    want: 'property "timeout" validation failed: property "connect" validation failed: expected 0 to be greater than 0',
  },
  {
    desc: 'reports a missing required property',
    schema: ROUTE_LIKE,
    value: { uri: '/', timeout: { connect: 1 } },
    want: 'property "timeout" validation failed: property "send" is required',
  },
  {
    desc: 'reports minimum and maximum',
    schema: ROUTE_LIKE,
    value: { uri: '/', retries: -1 },
    want: 'property "retries" validation failed: expected -1 to be at least 0',
  },
  {
    desc: 'reports maximum as at most',
    schema: ROUTE_LIKE,
    value: { uri: '/', retries: 600 },
    want: 'property "retries" validation failed: expected 600 to be at most 599',
  },
  {
    desc: 'quotes a pattern the Lua way',
    schema: ROUTE_LIKE,
    value: { uri: '/', labels: { env: 'a b' } },
    want: 'property "labels" validation failed: failed to validate env (matching ".*"): failed to match pattern "^\\\\S+$" with "a b"',
  },
  {
    desc: 'reports a plain pattern mismatch',
    schema: ROUTE_LIKE,
    value: { uri: '/', name: 'X' },
    want: 'property "name" validation failed: failed to match pattern "^[a-z]+$" with "X"',
  },
  {
    desc: 'nests property prefixes',
    schema: ROUTE_LIKE,
    value: { uri: '/', upstream: { nodes: { 'a:80': -1 } } },
    want: 'property "upstream" validation failed: property "nodes" validation failed: failed to validate a:80 (matching ".*"): expected -1 to be at least 0',
  },
  {
    desc: 'reports anyOf with the required lists',
    schema: ROUTE_LIKE,
    value: { uri: '/', upstream: { checks: {} } },
    want: 'property "upstream" validation failed: property "checks" validation failed: object matches none of the required: ["active"] or ["active","passive"]',
  },
  {
    desc: 'reports a failing dependent schema',
    schema: ROUTE_LIKE,
    value: { uri: '/', upstream: { tls: { client_cert: 'x' } } },
    want: 'property "upstream" validation failed: property "tls" validation failed: failed to validate dependent schema for "client_cert": property "client_key" is required',
  },
  {
    desc: 'reports allOf with a 1-based index',
    schema: ROUTE_LIKE,
    value: {},
    want: 'allOf 1 failed: value should match only one schema, but matches none',
  },
  {
    desc: 'reports oneOf matching both',
    schema: ROUTE_LIKE,
    value: { uri: '/', uris: ['/'] },
    want: 'allOf 1 failed: value should match only one schema, but matches both schemas 1 and 2',
  },
  {
    desc: 'reports a failed then clause',
    schema: SSL_LIKE,
    value: { type: 'server' },
    want: 'then clause did not match',
  },
  {
    desc: 'skips validation of a $secret:// reference',
    schema: ROUTE_LIKE,
    value: { uri: '/', status: '$secret://vault/1/status' },
    want: undefined,
  },
  {
    desc: 'skips validation of an $ENV:// reference in any case',
    schema: ROUTE_LIKE,
    value: { uri: '/', retries: '$ENV://RETRIES' },
    want: undefined,
  },
  {
    desc: 'skips validation of a secret reference inside a nested object',
    schema: ROUTE_LIKE,
    value: { uri: '/', timeout: { connect: '$env://CONNECT', send: 1 } },
    want: undefined,
  },
  {
    desc: 'lets a secret reference match every oneOf branch, as APISIX does',
    schema: {
      oneOf: [
        { type: 'object', properties: { a: { type: 'string' } } },
        { type: 'object', properties: { a: { type: 'integer' } } },
      ],
    },
    value: { a: '$secret://vault/1/a' },
    want: 'value should match only one schema, but matches both schemas 1 and 2',
  },
  {
    desc: 'still validates a non-reference string',
    schema: ROUTE_LIKE,
    value: { uri: '/', retries: '$other://x' },
    want: 'property "retries" validation failed: wrong type: expected integer, got string',
  },
];

void describe('validateSchema', () => {
  for (const c of cases) {
    void test(c.desc, () => {
      assert.equal(validateSchema(c.schema, c.value), c.want);
    });
  }

  void test('follows a local $ref', () => {
    const schema = {
      type: 'object',
      definitions: { port: { type: 'integer', minimum: 1 } },
      properties: { port: { $ref: '#/definitions/port' } },
    };
    assert.equal(validateSchema(schema, { port: 1 }), undefined);
    assert.notEqual(validateSchema(schema, { port: 0 }), undefined);
  });

  void test('does not mutate the value (no defaults injected)', () => {
    const value = { uri: '/' };
    validateSchema(ROUTE_LIKE, value);
    assert.deepEqual(value, { uri: '/' });
  });
});

void describe('withSchemaDefaults', () => {
  const schema = {
    type: 'object',
    properties: {
      status: { type: 'integer', default: 1 },
      pool: {
        type: 'object',
        properties: { size: { type: 'integer', default: 320 }, idle: { default: 60 } },
      },
      nodes: {
        type: 'array',
        items: { type: 'object', properties: { priority: { type: 'integer', default: 0 } } },
      },
      list: { type: 'array', default: [1, 2] },
    },
  };

  void test('fills defaults of absent properties', () => {
    assert.deepEqual(withSchemaDefaults(schema, {}), { status: 1, list: [1, 2] });
  });

  void test('never creates an absent object but fills one that exists', () => {
    assert.deepEqual(withSchemaDefaults(schema, { pool: { size: 5 } }), {
      status: 1,
      list: [1, 2],
      pool: { size: 5, idle: 60 },
    });
  });

  void test('fills defaults inside array items', () => {
    const out = withSchemaDefaults(schema, { nodes: [{}, { priority: 3 }] });
    assert.deepEqual(out.nodes, [{ priority: 0 }, { priority: 3 }]);
  });

  void test('returns a copy and leaves the input alone', () => {
    const input = { pool: {} };
    const out = withSchemaDefaults(schema, input);
    assert.deepEqual(input, { pool: {} });
    assert.notEqual(out.pool, input.pool);
  });

  void test('applies defaults of the matching anyOf branch only', () => {
    const s = {
      anyOf: [
        {
          type: 'object',
          properties: { kind: { const: 'a' }, x: { default: 'A' } },
          required: ['kind'],
        },
        { type: 'object', properties: { y: { default: 'B' } } },
      ],
    };
    assert.deepEqual(withSchemaDefaults(s, { kind: 'a' }), { kind: 'a', x: 'A' });
    assert.deepEqual(withSchemaDefaults(s, {}), { y: 'B' });
  });

  void test('matches each oneOf branch against the value the branches before it filled', () => {
    const s = {
      oneOf: [
        { type: 'object', properties: { kind: { default: 'a' } } },
        { type: 'object', properties: { kind: { const: 'a' }, x: { default: 'X' } } },
      ],
    };
    assert.deepEqual(withSchemaDefaults(s, {}), { kind: 'a', x: 'X' });
  });

  void test('fills a schema that contains itself', () => {
    const tree: Record<string, unknown> = {
      type: 'object',
      properties: { size: { default: 1 } },
    };
    tree['properties'] = { ...(tree['properties'] as object), child: tree };
    assert.deepEqual(withSchemaDefaults(tree, { child: { child: {} } }), {
      size: 1,
      child: { size: 1, child: { size: 1 } },
    });
  });

  void test('gives each filled value its own copy of an object default', () => {
    const s = { type: 'object', properties: { list: { default: [1] } } };
    const a = withSchemaDefaults(s, {}) as { list: number[] };
    a.list.push(2);
    assert.deepEqual(withSchemaDefaults(s, {}), { list: [1] });
  });
});
