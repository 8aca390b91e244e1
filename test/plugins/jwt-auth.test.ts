import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exportSPKI, generateKeyPair, SignJWT, type JWTPayload, type CryptoKey } from 'jose';
import { useTestGateway } from './lib/gateway.js';

const body = (message: string) => `{"message":"${message}"}\n`;
const VERIFY_FAILED = body('failed to verify jwt');
const now = () => Math.floor(Date.now() / 1000);

function sign(payload: JWTPayload, alg: string, key: CryptoKey | Uint8Array): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(key);
}
const secret = (text: string) => new TextEncoder().encode(text);
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

void describe('jwt-auth over traffic', () => {
  const gw = useTestGateway();
  let rsaKey: CryptoKey;
  let ecKey: CryptoKey;
  /** A valid HS256 token of jwt_jack. */
  let jackToken: string;

  before(async () => {
    const rsa = await generateKeyPair('RS256');
    const ec = await generateKeyPair('ES256');
    rsaKey = rsa.privateKey;
    ecKey = ec.privateKey;
    await gw.put('/consumers', {
      username: 'jwt_jack',
      labels: { custom_id: 'j-1' },
      plugins: { 'jwt-auth': { key: 'jack-key', secret: 'jack-secret' } },
    });
    await gw.put('/consumers/jwt_jack/credentials/mobile', {
      plugins: {
        'jwt-auth': { key: 'jack-mobile', secret: 'mobile-secret', lifetime_grace_period: 300 },
      },
    });
    await gw.put('/consumers', {
      username: 'jwt_rsa',
      plugins: {
        'jwt-auth': {
          key: 'rsa-key',
          algorithm: 'RS256',
          public_key: await exportSPKI(rsa.publicKey),
        },
      },
    });
    await gw.put('/consumers', {
      username: 'jwt_ec',
      plugins: {
        'jwt-auth': {
          key: 'ec-key',
          algorithm: 'ES256',
          public_key: await exportSPKI(ec.publicKey),
        },
      },
    });
    await gw.put('/consumers', { username: 'jwt_anon' });
    await gw.put('/routes/jwt', {
      uri: '/jwt/plain',
      plugins: { 'jwt-auth': {} },
      upstream: gw.upstream,
    });
    jackToken = await sign({ key: 'jack-key', exp: now() + 600 }, 'HS256', secret('jack-secret'));
  });

  const upstreamHeaders = () => gw.echo.received.at(-1)?.headers ?? {};

  void test('rejects a request without a token with 401 and WWW-Authenticate Bearer', async () => {
    const reply = await gw.request('/jwt/plain');
    assert.equal(reply.status, 401);
    assert.equal(reply.body, body('Missing JWT token in request'));
    assert.equal(reply.headers['www-authenticate'], 'Bearer realm="jwt"');
  });

  void test('passes an HS256 token from the header, the query or the cookie', async () => {
    assert.equal((await gw.request('/jwt/plain', bearer(jackToken))).status, 200);
    assert.equal(upstreamHeaders()['x-consumer-username'], 'jwt_jack');
    assert.equal(upstreamHeaders()['x-consumer-custom-id'], 'j-1');
    assert.equal(upstreamHeaders()['authorization'], `Bearer ${jackToken}`);
    assert.equal(
      (await gw.request('/jwt/plain', { headers: { authorization: jackToken } })).status,
      200,
    );
    assert.equal((await gw.request(`/jwt/plain?jwt=${jackToken}`)).status, 200);
    assert.equal(
      (await gw.request('/jwt/plain', { headers: { cookie: `a=b; jwt=${jackToken}` } })).status,
      200,
    );
  });

  void test('passes RS256 and ES256 tokens signed with the consumer key pair', async () => {
    assert.equal(
      (await gw.request('/jwt/plain', bearer(await sign({ key: 'rsa-key' }, 'RS256', rsaKey))))
        .status,
      200,
    );
    assert.equal(upstreamHeaders()['x-consumer-username'], 'jwt_rsa');
    assert.equal(
      (await gw.request('/jwt/plain', bearer(await sign({ key: 'ec-key' }, 'ES256', ecKey))))
        .status,
      200,
    );
    assert.equal(upstreamHeaders()['x-consumer-username'], 'jwt_ec');
  });

  void test('passes a credential token and names the credential upstream', async () => {
    // Expired 100 s ago, within the credential's 300 s lifetime_grace_period.
    const token = await sign(
      { key: 'jack-mobile', exp: now() - 100 },
      'HS256',
      secret('mobile-secret'),
    );
    assert.equal((await gw.request('/jwt/plain', bearer(token))).status, 200);
    assert.equal(upstreamHeaders()['x-consumer-username'], 'jwt_jack');
    assert.equal(upstreamHeaders()['x-credential-identifier'], 'mobile');
  });

  void test('rejects an expired token, a bad signature and an alg other than the consumer one', async () => {
    const rejected = [
      await sign({ key: 'jack-key', exp: now() - 10 }, 'HS256', secret('jack-secret')),
      await sign({ key: 'jack-key', nbf: now() + 600 }, 'HS256', secret('jack-secret')),
      await sign({ key: 'jack-key' }, 'HS256', secret('not-the-secret')),
      await sign({ key: 'jack-key' }, 'HS512', secret('jack-secret')),
      await sign({ key: 'rsa-key' }, 'HS256', secret('jack-secret')),
      await sign({ key: 'ec-key' }, 'RS256', rsaKey),
    ];
    for (const token of rejected) {
      const reply = await gw.request('/jwt/plain', bearer(token));
      assert.equal(reply.status, 401);
      assert.equal(reply.body, VERIFY_FAILED);
      assert.equal(reply.headers['www-authenticate'], 'Bearer realm="jwt"');
    }
  });

  void test('rejects a malformed token, one without the key claim and one with an unknown key', async () => {
    const cases: Array<[string, string]> = [
      ['not.a-jwt', 'JWT token invalid'],
      [await sign({ sub: 'x' }, 'HS256', secret('jack-secret')), 'missing user key in JWT token'],
      [
        await sign({ key: 'nobody' }, 'HS256', secret('jack-secret')),
        'Invalid user key in JWT token',
      ],
    ];
    for (const [token, message] of cases) {
      const reply = await gw.request('/jwt/plain', bearer(token));
      assert.equal(reply.status, 401);
      assert.equal(reply.body, body(message));
    }
  });

  void test('hides the token from the upstream in the header, the query and the cookie', async () => {
    await gw.put('/routes/jwt-hide', {
      uri: '/jwt/hide',
      plugins: {
        'jwt-auth': { hide_credentials: true, header: 'x-jwt', query: 't', cookie: 'sess' },
      },
      upstream: gw.upstream,
    });
    assert.equal((await gw.request('/jwt/hide', { headers: { 'x-jwt': jackToken } })).status, 200);
    assert.equal(upstreamHeaders()['x-jwt'], undefined);
    assert.equal((await gw.request(`/jwt/hide?a=1&t=${jackToken}`)).status, 200);
    assert.equal(gw.echo.received.at(-1)?.url, '/jwt/hide?a=1');
    assert.equal(
      (await gw.request('/jwt/hide', { headers: { cookie: `a=1; sess=${jackToken}; b=2` } }))
        .status,
      200,
    );
    assert.equal(upstreamHeaders()['cookie'], 'a=1; b=2');
  });

  void test('requires the claims of claims_to_verify and reads the key from key_claim_name', async () => {
    await gw.put('/routes/jwt-claims', {
      uri: '/jwt/claims',
      plugins: { 'jwt-auth': { claims_to_verify: ['exp'], key_claim_name: 'iss', realm: 'api' } },
      upstream: gw.upstream,
    });
    const withoutExp = await sign({ iss: 'jack-key' }, 'HS256', secret('jack-secret'));
    const refused = await gw.request('/jwt/claims', bearer(withoutExp));
    assert.equal(refused.body, VERIFY_FAILED);
    assert.equal(refused.headers['www-authenticate'], 'Bearer realm="api"');
    const withExp = await sign(
      { iss: 'jack-key', exp: now() + 60 },
      'HS256',
      secret('jack-secret'),
    );
    assert.equal((await gw.request('/jwt/claims', bearer(withExp))).status, 200);
  });

  void test('keeps the verified payload for later plugins with store_in_ctx', async () => {
    const readPayload =
      "(conf, ctx) => { ctx.setHeader('x-jwt-sub', String(ctx.data.get('jwt_auth_payload')?.sub)) }";
    await gw.put('/routes/jwt-ctx', {
      uri: '/jwt/ctx',
      plugins: {
        'jwt-auth': { store_in_ctx: true },
        'serverless-post-function': { functions: [readPayload] },
      },
      upstream: gw.upstream,
    });
    const token = await sign({ key: 'jack-key', sub: 'order-42' }, 'HS256', secret('jack-secret'));
    assert.equal((await gw.request('/jwt/ctx', bearer(token))).status, 200);
    assert.equal(upstreamHeaders()['x-jwt-sub'], 'order-42');
  });

  void test('lets a failed request through as the anonymous consumer, or 401 when it is missing', async () => {
    await gw.put('/routes/jwt-anon', {
      uri: '/jwt/anon',
      plugins: { 'jwt-auth': { anonymous_consumer: 'jwt_anon' } },
      upstream: gw.upstream,
    });
    assert.equal((await gw.request('/jwt/anon', bearer('bad'))).status, 200);
    assert.equal(upstreamHeaders()['x-consumer-username'], 'jwt_anon');
    await gw.put('/routes/jwt-anon', {
      uri: '/jwt/anon',
      plugins: { 'jwt-auth': { anonymous_consumer: 'jwt_ghost' } },
      upstream: gw.upstream,
    });
    assert.equal((await gw.request('/jwt/anon')).body, body('Invalid user authorization'));
  });

  void test('refuses consumer confs without the secret or key their algorithm needs with 400', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [
        { key: 'bad', algorithm: 'RS256' },
        'failed to validate dependent schema for "algorithm": value should match only one schema, but matches none',
      ],
      [{ key: 'bad' }, 'property "secret" is required when using HS based algorithms'],
      [
        { key: 'bad', secret: '{^c0j4&]2!=J=', base64_secret: true },
        'base64_secret required but the secret is not in base64 format',
      ],
      [{ secret: 's' }, 'property "key" is required'],
    ];
    for (const [conf, err] of cases) {
      const reply = await gw.admin('PUT', '/consumers', {
        username: 'jwt_bad',
        plugins: { 'jwt-auth': conf },
      });
      assert.equal(reply.status, 400, JSON.stringify(conf));
      assert.deepEqual(JSON.parse(reply.body), {
        error_msg: `invalid plugins configuration: failed to check the configuration of plugin jwt-auth err: ${err}`,
      });
    }
    const route = await gw.admin('PUT', '/routes/jwt-bad', {
      uri: '/jwt/bad',
      plugins: { 'jwt-auth': { claims_to_verify: ['iat'] } },
      upstream: gw.upstream,
    });
    assert.equal(route.status, 400);
    assert.match(
      JSON.parse(route.body).error_msg,
      /^failed to check the configuration of plugin jwt-auth err: property "claims_to_verify" validation failed/,
    );
  });

  void test('authenticates through a service, a plugin_config and a global rule', async () => {
    await gw.put('/services/jwt-svc', { plugins: { 'jwt-auth': {} }, upstream: gw.upstream });
    await gw.put('/routes/jwt-svc', { uri: '/jwt/service', service_id: 'jwt-svc' });
    await gw.put('/plugin_configs/jwt-pc', { plugins: { 'jwt-auth': {} } });
    await gw.put('/routes/jwt-pc', {
      uri: '/jwt/plugin-config',
      plugin_config_id: 'jwt-pc',
      upstream: gw.upstream,
    });
    await gw.put('/routes/jwt-open', { uri: '/jwt/open', upstream: gw.upstream });
    for (const uri of ['/jwt/service', '/jwt/plugin-config']) {
      assert.equal((await gw.request(uri)).status, 401, uri);
      assert.equal((await gw.request(uri, bearer(jackToken))).status, 200, uri);
    }
    await gw.put('/global_rules/jwt', { plugins: { 'jwt-auth': {} } });
    try {
      assert.equal((await gw.request('/jwt/open')).body, body('Missing JWT token in request'));
      assert.equal((await gw.request('/jwt/open', bearer(jackToken))).status, 200);
      assert.equal(upstreamHeaders()['x-consumer-username'], 'jwt_jack');
    } finally {
      await gw.delete('/global_rules/jwt');
    }
  });
});
