import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import plugin from '../../src/plugins/key-auth.js';
import type { ConsumerDirectory } from '../../src/plugin/types.js';
import { fakeContext, fakeEnv, type FakeRequest } from '../support/fake-plugin-context.js';
import { fakeConsumer } from './lib/consumer.js';
import { validateSchema, withSchemaDefaults } from '../../src/core/schema.js';

const owner = { key: '/apisix/routes/1', version: 1 };

/** jack holds key `k1` (credential c1), anon exists without a key. */
const directory: ConsumerDirectory = {
  find: (name, value) =>
    name === 'key-auth' && value === 'k1'
      ? { consumer: fakeConsumer('jack'), conf: { key: 'k1' }, credentialId: 'c1' }
      : undefined,
  byName: (username) => (username === 'anon' ? fakeConsumer('anon') : undefined),
};

function run(conf: Record<string, unknown>, req: FakeRequest) {
  const prepared = plugin.prepare!(
    withSchemaDefaults(plugin.schema, conf) as never,
    fakeEnv(),
    owner,
  );
  const ctx = fakeContext({ consumers: directory, ...req });
  const result = plugin.rewrite!(prepared, ctx);
  return { ctx, result: result as { status: number; body: unknown; headers: unknown } | undefined };
}

void describe('key-auth hooks', () => {
  void test('identifies the consumer of the apikey header and keeps the header', () => {
    const { ctx, result } = run({}, { headers: { apikey: 'k1' } });
    assert.equal(result, undefined);
    assert.equal(ctx.consumer?.username, 'jack');
    assert.equal(ctx.credentialId, 'c1');
    assert.equal(ctx.header('apikey'), 'k1');
  });

  void test('reads the query argument only when the header is absent', () => {
    const { ctx, result } = run({ hide_credentials: true }, { url: '/a?apikey=k1&x=1' });
    assert.equal(result, undefined);
    assert.equal(ctx.consumer?.username, 'jack');
    assert.equal(ctx.upstreamUri, '/a?x=1');
    const wrongHeader = run({}, { url: '/a?apikey=k1', headers: { apikey: 'nope' } });
    assert.equal(wrongHeader.result?.status, 401);
  });

  void test('rejects a missing key and an unknown key with 401 and WWW-Authenticate', () => {
    const missing = run({ realm: 'r1' }, {});
    assert.deepEqual(missing.result, {
      status: 401,
      body: { message: 'Missing API key in request' },
      headers: { 'WWW-Authenticate': 'apikey realm="r1"' },
    });
    const unknown = run({ header: 'x-key' }, { headers: { 'x-key': 'k2' } });
    assert.deepEqual(unknown.result?.body, { message: 'Invalid API key in request' });
    assert.deepEqual(unknown.result?.headers, { 'WWW-Authenticate': 'apikey realm="key"' });
  });

  void test('hides the header on success only where the key came from', () => {
    const { ctx } = run(
      { hide_credentials: true },
      { url: '/a?apikey=zz', headers: { apikey: 'k1' } },
    );
    assert.equal(ctx.header('apikey'), undefined);
    assert.equal(ctx.arg('apikey'), 'zz');
  });

  void test('falls back to the anonymous consumer and strips both key places', () => {
    const { ctx, result } = run(
      { anonymous_consumer: 'anon', hide_credentials: true },
      { url: '/a?apikey=bad', headers: { apikey: 'bad' } },
    );
    assert.equal(result, undefined);
    assert.equal(ctx.consumer?.username, 'anon');
    assert.equal(ctx.credentialId, undefined);
    assert.equal(ctx.header('apikey'), undefined);
    assert.equal(ctx.arg('apikey'), undefined);
  });

  void test('rejects with "Invalid user authorization" when the anonymous consumer is missing', () => {
    const { result } = run({ anonymous_consumer: 'ghost' }, {});
    assert.equal(result?.status, 401);
    assert.deepEqual(result?.body, { message: 'Invalid user authorization' });
  });

  void test('refuses a realm with a double quote and an empty anonymous_consumer', () => {
    assert.match(validateSchema(plugin.schema, { realm: 'a"b' }) ?? '', /realm/);
    assert.match(
      validateSchema(plugin.schema, { anonymous_consumer: '' }) ?? '',
      /anonymous_consumer/,
    );
    assert.match(validateSchema(plugin.consumerSchema!, {}) ?? '', /key/);
  });
});
