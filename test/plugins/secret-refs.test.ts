import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestGateway } from './lib/gateway.js';

// The gateway's processes inherit this environment (set before the suite starts them).
process.env['GH_TEST_ENVREF_HEADER'] = 'from-env';
process.env['GH_TEST_ENVREF_KEY'] = 'env-key-1';
process.env['GH_TEST_ENVREF_JSON'] = JSON.stringify({ key: 'json-key-2' });

const UNSET = 'GH_TEST_ENVREF_SURELY_UNSET';

/** The gateway's log lines about references that did not resolve, as parsed JSON. */
function unresolvedLines(output: string, ref: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.includes('failed to resolve secret reference') && line.includes(ref))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

void describe('$env:// and $secret:// references in plugin confs over traffic', () => {
  const gw = useTestGateway();

  void test('a proxy-rewrite header value given as $env:// reaches the upstream resolved', async () => {
    await gw.put('/routes/envref-header', {
      uri: '/envref/header',
      plugins: {
        'proxy-rewrite': { headers: { set: { 'X-From-Env': '$ENV://GH_TEST_ENVREF_HEADER' } } },
      },
      upstream: gw.upstream,
    });
    const reply = await gw.request('/envref/header');
    assert.equal(reply.status, 200);
    assert.equal(gw.echo.received.at(-1)?.headers['x-from-env'], 'from-env');
  });

  void test('a key-auth key given as $env:// or $env://NAME/key authenticates with its value only', async () => {
    await gw.put('/consumers', {
      username: 'envref_jack',
      plugins: { 'key-auth': { key: '$env://GH_TEST_ENVREF_KEY' } },
    });
    await gw.put('/consumers/envref_jack/credentials/json', {
      plugins: { 'key-auth': { key: '$env://GH_TEST_ENVREF_JSON/key' } },
    });
    await gw.put('/routes/envref-auth', {
      uri: '/envref/auth',
      plugins: { 'key-auth': {} },
      upstream: gw.upstream,
    });
    for (const key of ['env-key-1', 'json-key-2']) {
      const reply = await gw.request('/envref/auth', { headers: { apikey: key } });
      assert.equal(reply.status, 200, key);
      assert.equal(gw.echo.received.at(-1)?.headers['x-consumer-username'], 'envref_jack');
    }
    const literal = await gw.request('/envref/auth', {
      headers: { apikey: '$env://GH_TEST_ENVREF_KEY' },
    });
    assert.equal(literal.status, 401, 'the reference text is no key');
  });

  void test('a consumer whose key variable is unset is skipped, fail closed, and logged once', async () => {
    await gw.put('/consumers', {
      username: 'envref_unset',
      plugins: { 'key-auth': { key: `$env://${UNSET}` } },
    });
    await gw.put('/routes/envref-auth-unset', {
      uri: '/envref/auth-unset',
      plugins: { 'key-auth': {} },
      upstream: gw.upstream,
    });
    for (let i = 0; i < 3; i++) {
      const reply = await gw.request('/envref/auth-unset', {
        headers: { apikey: `$env://${UNSET}` },
      });
      assert.equal(reply.status, 401);
    }
    // A later consumer change rebuilds the index: the resolution is not repeated.
    await gw.put('/consumers', { username: 'envref_other' });
    await gw.request('/envref/auth-unset', { headers: { apikey: 'x' } });
    const lines = unresolvedLines(gw.output(), UNSET);
    assert.equal(lines.length, 1, gw.output());
    assert.equal(lines[0]!['consumer'], 'envref_unset');
    assert.equal(lines[0]!['reason'], `environment variable ${UNSET} is not set`);
  });

  void test('an unset variable in a plugin conf is kept as the reference and logged once', async () => {
    await gw.put('/routes/envref-echo', {
      uri: '/envref/echo',
      plugins: { echo: { body: `$env://${UNSET}/field` } },
      upstream: gw.upstream,
    });
    for (let i = 0; i < 3; i++) {
      const reply = await gw.request('/envref/echo');
      assert.equal(reply.body, `$env://${UNSET}/field`);
    }
    const lines = unresolvedLines(gw.output(), `$env://${UNSET}/field`);
    assert.equal(lines.length, 1, gw.output());
    assert.equal(lines[0]!['plugin'], 'echo');
    assert.equal(lines[0]!['field'], 'body');
  });

  void test('a $secret:// reference is kept and logged once, naming its manager and id', async () => {
    await gw.put('/routes/envref-secret', {
      uri: '/envref/secret',
      plugins: { echo: { body: '$secret://vault/my-vault/app/token' } },
      upstream: gw.upstream,
    });
    for (let i = 0; i < 2; i++) {
      const reply = await gw.request('/envref/secret');
      assert.equal(reply.body, '$secret://vault/my-vault/app/token');
    }
    const lines = unresolvedLines(gw.output(), '$secret://vault/my-vault/app/token');
    assert.equal(lines.length, 1, gw.output());
    assert.match(
      String(lines[0]!['reason']),
      /secret manager vault, id my-vault: .*not supported yet/,
    );
  });
});
