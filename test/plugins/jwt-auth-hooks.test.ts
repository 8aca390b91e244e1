import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, exportSPKI, SignJWT, type JWTPayload } from 'jose';
import plugin from '../../src/plugins/jwt-auth.js';
import { claimsError } from '../../src/plugins/lib/auth-jwt.js';
import type { ConsumerMatch } from '../../src/plugin/types.js';
import { fakeContext, fakeEnv, type FakeRequest } from '../support/fake-plugin-context.js';
import { fakeConsumer } from './lib/consumer.js';
import { withSchemaDefaults } from '../../src/core/schema.js';

const jack = fakeConsumer('jack');
const consumers = new Map<string, ConsumerMatch>();

/** Adds a consumer-side conf (defaults applied) under its key. */
function addConsumerConf(conf: Record<string, unknown>): void {
  const withDefaults = withSchemaDefaults(plugin.consumerSchema!, conf);
  assert.equal(plugin.check!(withDefaults as never, 'consumer'), undefined);
  consumers.set(conf['key'] as string, {
    consumer: jack,
    conf: withDefaults,
    credentialId: undefined,
  });
}

async function rewrite(req: FakeRequest, conf: Record<string, unknown> = {}) {
  const prepared = plugin.prepare!(withSchemaDefaults(plugin.schema, conf) as never, fakeEnv(), {
    key: '/apisix/routes/1',
    version: 1,
  });
  const ctx = fakeContext({
    ...req,
    consumers: {
      find: (name, value) => (name === 'jwt-auth' ? consumers.get(value) : undefined),
      byName: (name) => (name === 'jack' ? jack : undefined),
    },
  });
  const result = (await plugin.rewrite!(prepared, ctx)) as
    { status: number; body: unknown } | undefined;
  return { ctx, result, message: (result?.body as { message?: string } | undefined)?.message };
}

const now = (): number => Math.floor(Date.now() / 1000);
const hs = new TextEncoder().encode('my-secret-key');

function hsToken(payload: JWTPayload, alg = 'HS256', secret = hs): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(secret);
}

const bearer = (token: string): FakeRequest => ({ headers: { authorization: `Bearer ${token}` } });

void describe('jwt-auth hooks', () => {
  addConsumerConf({ key: 'user-hs', secret: 'my-secret-key' });
  addConsumerConf({
    key: 'user-b64',
    secret: Buffer.from('raw bytes!').toString('base64'),
    base64_secret: true,
  });

  void test('identifies the consumer of an HS256 token in the Authorization header', async () => {
    const token = await hsToken({ key: 'user-hs', exp: now() + 60 });
    const { ctx, result } = await rewrite(bearer(token), { store_in_ctx: true });
    assert.equal(result, undefined);
    assert.equal(ctx.consumer?.username, 'jack');
    assert.deepEqual((ctx.data.get('jwt_auth_payload') as JWTPayload).key, 'user-hs');
    assert.equal(
      (await rewrite({ headers: { authorization: token } })).result,
      undefined,
      'no prefix',
    );
    assert.equal(
      (await rewrite({ headers: { authorization: `bearer ${token}` } })).result,
      undefined,
    );
  });

  void test('verifies with the base64-decoded secret when base64_secret is set', async () => {
    const token = await hsToken({ key: 'user-b64' }, 'HS256', Buffer.from('raw bytes!'));
    assert.equal((await rewrite(bearer(token))).result, undefined);
  });

  void test('reads the header, then the query, then the cookie, hiding the one it used', async () => {
    const token = await hsToken({ key: 'user-hs' });
    const fromQuery = await rewrite({ url: `/a?jwt=${token}&x=1` }, { hide_credentials: true });
    assert.equal(fromQuery.result, undefined);
    assert.equal(fromQuery.ctx.upstreamUri, '/a?x=1');
    const fromCookie = await rewrite(
      { headers: { cookie: `a=1; jwt=${token}; b=2` }, vars: { cookie_jwt: token } },
      { hide_credentials: true },
    );
    assert.equal(fromCookie.result, undefined);
    assert.equal(fromCookie.ctx.header('cookie'), 'a=1; b=2');
    const headerFirst = await rewrite({
      url: `/a?jwt=${token}`,
      headers: { authorization: 'junk' },
    });
    assert.equal(headerFirst.message, 'JWT token invalid');
  });

  void test('verifies RS256, ES256, PS256 and EdDSA tokens against the consumer public key', async () => {
    for (const alg of ['RS256', 'ES256', 'PS256', 'EdDSA'] as const) {
      const pair = await generateKeyPair(alg, { extractable: true });
      addConsumerConf({
        key: `user-${alg}`,
        algorithm: alg,
        public_key: await exportSPKI(pair.publicKey),
      });
      const token = await new SignJWT({ key: `user-${alg}` })
        .setProtectedHeader({ alg })
        .sign(pair.privateKey);
      assert.equal((await rewrite(bearer(token))).result, undefined, alg);
      const other = await generateKeyPair(alg);
      const forged = await new SignJWT({ key: `user-${alg}` })
        .setProtectedHeader({ alg })
        .sign(other.privateKey);
      assert.equal((await rewrite(bearer(forged))).message, 'failed to verify jwt', alg);
    }
  });

  void test('rejects a token whose alg is not the consumer algorithm', async () => {
    const token = await hsToken({ key: 'user-hs' }, 'HS512');
    assert.equal((await rewrite(bearer(token))).message, 'failed to verify jwt');
    const rsAsHs = await hsToken({ key: 'user-RS256' });
    assert.equal((await rewrite(bearer(rsAsHs))).message, 'failed to verify jwt');
  });

  void test('rejects each failure with its message and WWW-Authenticate Bearer', async () => {
    const missing = await rewrite({}, { realm: 'api' });
    assert.equal(missing.message, 'Missing JWT token in request');
    assert.deepEqual((missing.result as { headers?: unknown }).headers, {
      'WWW-Authenticate': 'Bearer realm="api"',
    });
    assert.equal((await rewrite(bearer('a.b'))).message, 'JWT token invalid');
    assert.equal(
      (await rewrite(bearer(await hsToken({ sub: 'x' })))).message,
      'missing user key in JWT token',
    );
    assert.equal(
      (await rewrite(bearer(await hsToken({ key: 'nobody' })))).message,
      'Invalid user key in JWT token',
    );
    const expired = await hsToken({ key: 'user-hs', exp: now() - 10 });
    assert.equal((await rewrite(bearer(expired))).message, 'failed to verify jwt');
    const wrongSecret = await hsToken(
      { key: 'user-hs' },
      'HS256',
      new TextEncoder().encode('other'),
    );
    assert.equal((await rewrite(bearer(wrongSecret))).message, 'failed to verify jwt');
  });

  void test('reads the consumer key from key_claim_name', async () => {
    const token = await hsToken({ iss: 'user-hs' });
    assert.equal((await rewrite(bearer(token), { key_claim_name: 'iss' })).result, undefined);
  });

  void test('falls back to the anonymous consumer, or rejects when it does not exist', async () => {
    const anon = await rewrite({}, { anonymous_consumer: 'jack' });
    assert.equal(anon.result, undefined);
    assert.equal(anon.ctx.consumer?.username, 'jack');
    assert.equal(
      (await rewrite({}, { anonymous_consumer: 'ghost' })).message,
      'Invalid user authorization',
    );
  });

  void test('checks exp and nbf when present, and requires the listed claims', () => {
    const t = 1_000_000;
    assert.equal(claimsError({}, undefined, 0, t), undefined);
    assert.equal(claimsError({}, [], 0, t), undefined);
    assert.equal(claimsError({}, ['exp'], 0, t), 'claim exp is missing');
    assert.equal(claimsError({ exp: t }, undefined, 0, t), `'exp' claim expired at ${t}`);
    assert.equal(claimsError({ exp: t }, undefined, 1, t), undefined, 'leeway');
    assert.equal(claimsError({ nbf: t }, undefined, 0, t), `'nbf' claim not valid until ${t}`);
    assert.equal(claimsError({ nbf: t - 1 }, ['nbf'], 0, t), undefined);
    assert.equal(claimsError({ exp: 'soon' }, undefined, 0, t), 'claim exp is not a number');
  });

  void test('consumer check: HS needs a secret, base64_secret needs base64', () => {
    const check = (conf: Record<string, unknown>) =>
      plugin.check!(withSchemaDefaults(plugin.consumerSchema!, conf) as never, 'consumer');
    assert.equal(
      check({ key: 'k' }),
      'property "secret" is required when using HS based algorithms',
    );
    assert.equal(
      check({ key: 'k', secret: '{^c0j4&]2!=J=', base64_secret: true }),
      'base64_secret required but the secret is not in base64 format',
    );
    assert.equal(check({ key: 'k', algorithm: 'RS256' }), 'missing valid public key');
    assert.equal(plugin.check!({} as never, 'route'), undefined);
  });
});
