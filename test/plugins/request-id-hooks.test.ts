import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { withSchemaDefaults } from '../../src/core/schema.js';
import plugin from '../../src/plugins/request-id.js';
import { ksuid, nanoid, rangeId, uuidv7 } from '../../src/plugins/lib/request-ids.js';
import { fakeContext, type FakeRequest } from '../support/fake-plugin-context.js';
import { confError, prepared } from './lib/conf.js';

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const DEFAULT_SET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIGKLMNOPQRSTUVWXYZ0123456789';

function run(conf: Record<string, unknown>, req: FakeRequest = {}) {
  const p = prepared(plugin, conf);
  const ctx = fakeContext(req);
  void plugin.rewrite?.(p, ctx);
  return { p, ctx };
}

void describe('request-id conf', () => {
  void test('defaults, range_id nested defaults included', () => {
    assert.deepEqual(withSchemaDefaults(plugin.schema, {}), {
      header_name: 'X-Request-Id',
      include_in_response: true,
      algorithm: 'uuid',
      range_id: { length: 16, char_set: DEFAULT_SET },
    });
  });
  void test('a partial range_id gets the missing default', () => {
    const conf = withSchemaDefaults(plugin.schema, { range_id: { length: 8 } });
    assert.deepEqual(conf.range_id, { length: 8, char_set: DEFAULT_SET });
  });
  void test('refuses an unknown algorithm and a short range', () => {
    assert.equal(
      confError(plugin, { algorithm: 'snowflake' }),
      'property "algorithm" validation failed: matches none of the enum values',
    );
    assert.equal(
      confError(plugin, { range_id: { char_set: 'abc' } }),
      'property "range_id" validation failed: property "char_set" validation failed: string too short, expected at least 6, got 3',
    );
  });
});

void describe('request-id hooks', () => {
  void test('generates a uuid v4, sends it upstream and in the response', () => {
    const { p, ctx } = run({});
    const id = ctx.header('x-request-id') ?? '';
    assert.match(id, UUID4);
    plugin.headerFilter?.(p, ctx);
    assert.equal(ctx.response.header('X-Request-Id'), id);
  });
  void test('keeps a non-empty id the client sent', () => {
    const { p, ctx } = run({}, { headers: { 'X-Request-Id': 'abc' } });
    assert.equal(ctx.header('x-request-id'), 'abc');
    plugin.headerFilter?.(p, ctx);
    assert.equal(ctx.response.header('x-request-id'), 'abc');
  });
  void test('replaces an empty id', () => {
    const { ctx } = run({}, { headers: { 'X-Request-Id': '' } });
    assert.match(ctx.header('x-request-id') ?? '', UUID4);
  });
  void test('leaves an id the upstream answered with', () => {
    const { p, ctx } = run({});
    ctx.response.setHeader('x-request-id', 'from-upstream');
    plugin.headerFilter?.(p, ctx);
    assert.equal(ctx.response.header('x-request-id'), 'from-upstream');
  });
  void test('include_in_response false leaves the header filter phase out', () => {
    const { p, ctx } = run({ include_in_response: false, header_name: 'X-Trace' });
    assert.ok(ctx.header('x-trace'));
    assert.equal(plugin.uses?.(p, 'headerFilter'), false);
  });
  void test('no response header when rewrite did not run', () => {
    const p = prepared(plugin, {});
    const ctx = fakeContext();
    plugin.headerFilter?.(p, ctx);
    assert.equal(ctx.response.header('x-request-id'), undefined);
  });
  void test('apisix_request_id is updated when the variable exists', () => {
    const { ctx } = run(
      {},
      { vars: { apisix_request_id: 'nginx' }, headers: { 'x-request-id': 'r1' } },
    );
    assert.equal(ctx.var('apisix_request_id'), 'r1');
  });
});

void describe('request-id algorithms', () => {
  void test('nanoid: 21 URL-safe characters', () => {
    assert.match(nanoid(), /^[A-Za-z0-9_-]{21}$/);
  });
  void test('range_id: the length asked, from the set asked', () => {
    assert.match(rangeId('abcdef', 30), /^[a-f]{30}$/);
    const { ctx } = run({ algorithm: 'range_id' });
    assert.match(ctx.header('x-request-id') ?? '', /^[a-zA-Z0-9]{16}$/);
  });
  void test('uuidv7: version 7, variant 10, time ordered', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7());
    for (const id of ids.slice(0, 3)) {
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
    const ms = parseInt(ids[0]?.replaceAll('-', '').slice(0, 12) ?? '', 16);
    assert.ok(Math.abs(ms - Date.now()) < 60_000);
  });
  void test('ksuid: 27 base62 characters', () => {
    assert.match(ksuid(), /^[0-9A-Za-z]{27}$/);
  });
});
