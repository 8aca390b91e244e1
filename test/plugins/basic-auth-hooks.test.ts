import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import plugin from '../../src/plugins/basic-auth.js';
import type { ConsumerMatch } from '../../src/plugin/types.js';
import { fakeContext, fakeEnv } from '../support/fake-plugin-context.js';
import { fakeConsumer } from './lib/consumer.js';
import { withSchemaDefaults } from '../../src/core/schema.js';

const jack = fakeConsumer('jack');
const users = new Map<string, ConsumerMatch>([
  ['foo', { consumer: jack, conf: { username: 'foo', password: 'bar' }, credentialId: undefined }],
  ['', { consumer: jack, conf: { username: '', password: '' }, credentialId: undefined }],
]);

const basic = (text: string): string => `Basic ${Buffer.from(text).toString('base64')}`;

function rewrite(authorization: string | undefined, conf: Record<string, unknown> = {}) {
  const prepared = plugin.prepare!(withSchemaDefaults(plugin.schema, conf) as never, fakeEnv(), {
    key: '/apisix/routes/1',
    version: 1,
  });
  const ctx = fakeContext({
    headers: authorization === undefined ? {} : { authorization },
    consumers: {
      find: (name, value) => (name === 'basic-auth' ? users.get(value) : undefined),
      byName: (name) => (name === 'jack' ? jack : undefined),
    },
  });
  const result = plugin.rewrite!(prepared, ctx) as { status: number; body: unknown } | undefined;
  return { ctx, result, message: (result?.body as { message?: string } | undefined)?.message };
}

void describe('basic-auth hooks', () => {
  void test('identifies the consumer of a right username and password', () => {
    const { ctx, result } = rewrite(basic('foo:bar'));
    assert.equal(result, undefined);
    assert.equal(ctx.consumer?.username, 'jack');
    assert.equal(ctx.header('authorization'), basic('foo:bar'));
  });

  void test('takes the scheme in any case and anywhere, and drops whitespace in both fields', () => {
    assert.equal(
      rewrite(`bAsIc ${Buffer.from(' f o o : b\tar').toString('base64')}`).result,
      undefined,
    );
    assert.equal(rewrite(`xBASIC ${Buffer.from('foo:bar').toString('base64')}`).result, undefined);
    // Padding is optional and what follows it ignored, as nginx decodes base64.
    assert.equal(rewrite('Basic Zm9vOmJhcg').result, undefined);
  });

  void test('uses only the first two colon-separated fields, so a password with ":" never matches', () => {
    assert.equal(rewrite(basic('foo:bar:baz')).result, undefined);
    assert.equal(rewrite(basic(':')).result, undefined, 'empty username and password are fields');
  });

  void test('rejects each failure with its message, 401 and WWW-Authenticate Basic', () => {
    const missing = rewrite(undefined, { realm: 'shop' });
    assert.equal(missing.message, 'Missing authorization in request');
    assert.deepEqual((missing.result as { headers?: unknown }).headers, {
      'WWW-Authenticate': 'Basic realm="shop"',
    });
    for (const bad of ['Bearer abc', 'Basic a', 'Basic !!!!', basic('foobar'), 'Basic ']) {
      assert.equal(rewrite(bad).message, 'Invalid authorization in request', bad);
    }
    assert.equal(rewrite(basic('foo:baz')).message, 'Invalid user authorization');
    assert.equal(rewrite(basic('bob:bar')).message, 'Invalid user authorization');
    assert.equal(rewrite(basic('foo:bar')).result, undefined);
  });

  void test('hides Authorization on success and on the anonymous fallback', () => {
    assert.equal(
      rewrite(basic('foo:bar'), { hide_credentials: true }).ctx.header('authorization'),
      undefined,
    );
    const anon = rewrite(basic('foo:nope'), { hide_credentials: true, anonymous_consumer: 'jack' });
    assert.equal(anon.result, undefined);
    assert.equal(anon.ctx.consumer?.username, 'jack');
    assert.equal(anon.ctx.header('authorization'), undefined);
    assert.equal(
      rewrite(undefined, { anonymous_consumer: 'nobody' }).message,
      'Invalid user authorization',
    );
  });
});
