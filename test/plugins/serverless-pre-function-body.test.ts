/**
 * serverless-pre-function reading the request body: nginx's client_max_body_size and
 * client_body_timeout apply to a body a plugin reads, on a route or in a global rule.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient } from '../support/raw-client.js';
import { useTestGateway } from './lib/gateway.js';
import type { TestGateway } from '../support/plugin-gateway.js';

/** A route at `uri` whose serverless-pre-function runs `fn`. */
async function preFunctionRoute(
  gw: TestGateway,
  id: string,
  uri: string,
  fn: string,
): Promise<void> {
  await gw.put(`/routes/${id}`, {
    uri,
    plugins: { 'serverless-pre-function': { functions: [fn] } },
    upstream: gw.upstream,
  });
}

/** A function that answers 200 with the request body it read. */
const ECHO_BODY = 'async function (conf, ctx) { return [200, String(await ctx.readBody())] }';

/** Runs `body` while a global rule's serverless-pre-function runs `fn`, then deletes the rule. */
async function withGlobalPreFunction(
  gw: TestGateway,
  id: string,
  fn: string,
  body: () => Promise<void>,
): Promise<void> {
  await gw.put(`/global_rules/${id}`, {
    plugins: { 'serverless-pre-function': { functions: [fn] } },
  });
  try {
    await body();
  } finally {
    await gw.delete(`/global_rules/${id}`);
  }
}

void describe('serverless-pre-function reading a body past client_max_body_size', () => {
  const gw = useTestGateway({ nginxHttp: ['client_max_body_size: 1k'] });
  /** The status of a chunked POST of `size` bytes to `path`, on a connection of its own. */
  const chunkedStatus = async (path: string, size: number): Promise<string> => {
    const client = new RawClient(gw.ports.http).write(
      `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n` +
        `Transfer-Encoding: chunked\r\n\r\n${size.toString(16)}\r\n${'a'.repeat(size)}\r\n0\r\n\r\n`,
    );
    await client.closed;
    return client.text.slice(9, 12);
  };

  void test('a chunked body read whole past the limit is answered 413, as nginx', async () => {
    await preFunctionRoute(
      gw,
      'sl-read',
      '/sl/read',
      'async function (conf, ctx) { await ctx.readBody() }',
    );
    assert.equal(await chunkedStatus('/sl/read', 1000), '200');
    assert.equal(await chunkedStatus('/sl/read', 3000), '413');
  });

  void test('a global rule reading the body of a request no route matches keeps the limit too', async () => {
    await withGlobalPreFunction(
      gw,
      'sl-read',
      'async function (conf, ctx) { if (ctx.uri.startsWith("/nowhere")) await ctx.readBody() }',
      async () => {
        assert.equal(await chunkedStatus('/nowhere', 1000), '404');
        assert.equal(await chunkedStatus('/nowhere', 3000), '413');
      },
    );
  });

  void test('a Content-Length past the limit is answered 413 before routing, as nginx', async () => {
    const client = new RawClient(gw.ports.http).write(
      'POST /no/route/here HTTP/1.1\r\nHost: x\r\nContent-Length: 3000\r\n\r\n',
    );
    await client.closed;
    assert.match(client.text, /^HTTP\/1\.1 413 /);
  });

  void test('a function reading the body of an Expect: 100-continue request gets it after 100 Continue', async () => {
    await preFunctionRoute(gw, 'sl-echo', '/sl/echo', ECHO_BODY);
    const client = new RawClient(gw.ports.http).write(
      'POST /sl/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n' +
        'Expect: 100-continue\r\nContent-Length: 5\r\n\r\n',
    );
    await client.until((t) => t.startsWith('HTTP/1.1 100 ') && t.includes('\r\n\r\n'));
    client.write('hello');
    await client.closed;
    const text = client.text;
    assert.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    assert.ok(text.endsWith('\r\n\r\nhello'), text);
  });
});

void describe('serverless-pre-function reading a body that stalls (config.yaml timeouts)', () => {
  const gw = useTestGateway({
    nginxHttp: ['client_body_timeout: 1s', 'keepalive_timeout: "10s 5s"'],
  });

  void test('a read that waits past client_body_timeout closes the connection with no answer, as nginx', async () => {
    await preFunctionRoute(gw, 'sl-stall', '/sl/stall', ECHO_BODY);
    const client = new RawClient(gw.ports.http).write(
      'POST /sl/stall HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc',
    );
    await client.closed;
    const text = client.text;
    assert.equal(text, '');
    assert.doesNotMatch(gw.output(), /plugin phase failed|worker exited unexpectedly/);
  });

  void test(
    'a global rule that reads a stalled body of a request no route matches closes it too',
    { timeout: 20_000 },
    async () => {
      await withGlobalPreFunction(
        gw,
        'sl-stall',
        'async function (conf, ctx) { if (ctx.uri === "/nowhere") await ctx.readBody() }',
        async () => {
          const client = new RawClient(gw.ports.http).write(
            'POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc',
          );
          await client.closed;
          assert.equal(client.text, '');
        },
      );
    },
  );

  void test("keepalive_timeout's second time from config.yaml is the Keep-Alive header", async () => {
    const reply = await gw.request('/sl/stall', { headers: { connection: 'keep-alive' } });
    assert.equal(reply.headers['keep-alive'], 'timeout=5');
  });
});
