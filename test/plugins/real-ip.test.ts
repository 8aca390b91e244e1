import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import realIp from '../../src/plugins/real-ip.js';
import { fakeContext } from '../support/fake-plugin-context.js';
import { useTestGateway } from './lib/gateway.js';
import { prepared, testConfErrors } from './lib/conf.js';
import { onRoute, testPlacements } from './lib/placement-suite.js';
import { expectRefused } from './lib/placements.js';

void describe('real-ip hooks', () => {
  const cases = [
    {
      desc: 'an address from an argument',
      conf: { source: 'arg_realip' },
      url: '/?realip=1.2.3.4',
      ip: '1.2.3.4',
    },
    {
      desc: 'an address and port',
      conf: { source: 'arg_realip' },
      url: '/?realip=1.2.3.4:9080',
      ip: '1.2.3.4',
    },
    {
      desc: 'a bracketed IPv6 address and port',
      conf: { source: 'arg_realip' },
      url: '/?realip=[::2]:80',
      ip: '::2',
    },
    {
      desc: 'a bare IPv6 address',
      conf: { source: 'arg_realip' },
      url: '/?realip=2001:db8::1',
      ip: '2001:db8::1',
    },
    {
      desc: 'the last X-Forwarded-For entry',
      conf: { source: 'http_x_forwarded_for' },
      xff: '1.1.1.1, 2.2.2.2',
      ip: '2.2.2.2',
    },
    {
      desc: 'the rightmost untrusted X-Forwarded-For entry when recursive',
      conf: {
        source: 'http_x_forwarded_for',
        recursive: true,
        trusted_addresses: ['127.0.0.1', '10.0.0.0/8'],
      },
      xff: '3.3.3.3, 4.4.4.4, 10.0.0.2',
      ip: '4.4.4.4',
    },
    {
      desc: 'the first X-Forwarded-For entry when every other is trusted',
      conf: {
        source: 'http_x_forwarded_for',
        recursive: true,
        trusted_addresses: ['127.0.0.1', '10.0.0.0/8'],
      },
      xff: '3.3.3.3, 10.0.0.3, 10.0.0.2',
      ip: '3.3.3.3',
    },
  ];
  for (const c of cases) {
    void test(`takes ${c.desc}`, () => {
      const ctx = fakeContext({
        url: c.url ?? '/',
        headers: c.xff === undefined ? {} : { 'X-Forwarded-For': c.xff },
      });
      assert.equal(realIp.rewrite?.(prepared(realIp, c.conf), ctx), undefined);
      assert.equal(ctx.clientIp, c.ip);
    });
  }

  const ignored = [
    { desc: 'a value that is no address', url: '/?realip=example.com' },
    { desc: 'a port out of range', url: '/?realip=1.2.3.4:70000' },
    { desc: 'a missing source', url: '/' },
  ];
  for (const c of ignored) {
    void test(`keeps the peer address for ${c.desc}`, () => {
      const ctx = fakeContext({ url: c.url });
      assert.equal(realIp.rewrite?.(prepared(realIp, { source: 'arg_realip' }), ctx), undefined);
      assert.equal(ctx.clientIp, '127.0.0.1');
    });
  }

  void test('keeps the peer address when the peer is not trusted', () => {
    const ctx = fakeContext({ url: '/?realip=1.2.3.4', clientIp: '192.168.0.1' });
    const p = prepared(realIp, { source: 'arg_realip', trusted_addresses: ['127.0.0.1'] });
    assert.equal(realIp.rewrite?.(p, ctx), undefined);
    assert.equal(ctx.clientIp, '192.168.0.1');
  });

  const schemaCases = [
    { desc: 'no source', conf: {}, err: 'property "source" is required' },
    {
      desc: 'a trusted address that is no address',
      conf: { source: 'arg_ip', trusted_addresses: ['x'] },
      err: 'property "trusted_addresses" validation failed: failed to validate item 1: object matches none of the required',
    },
    {
      desc: 'an IPv6 prefix over 128',
      conf: { source: 'arg_ip', trusted_addresses: ['::1/129'] },
      err: 'invalid ip address: ::1/129',
    },
  ];
  testConfErrors(realIp, schemaCases);
});

void describe('real-ip over traffic', () => {
  const gw = useTestGateway();

  /** What the echo upstream was told the client was, through a route that forwards it. */
  const lastForwardedFor = () => gw.echo.received.at(-1)?.headers['x-forwarded-for'];
  const xff = (value: string) => ({ headers: { 'X-Forwarded-For': value } });

  void test('takes the client address from an argument, so remote_addr and upstream see it', async () => {
    await onRoute(gw, 'rip-arg', '/rip/arg', { 'real-ip': { source: 'arg_realip' } });
    assert.equal((await gw.request('/rip/arg?realip=1.2.3.4:9080')).status, 200);
    assert.equal(lastForwardedFor(), '1.2.3.4');
    assert.equal(gw.echo.received.at(-1)?.headers['x-real-ip'], '1.2.3.4');
  });

  void test('restricts by the address real-ip found, not the peer address', async () => {
    await onRoute(gw, 'rip-restrict', '/rip/restrict', {
      'real-ip': { source: 'http_x_forwarded_for', trusted_addresses: ['127.0.0.0/24'] },
      'ip-restriction': { whitelist: ['1.1.1.1'] },
    });
    const allowed = await gw.request('/rip/restrict', xff('9.9.9.9, 1.1.1.1'));
    assert.equal(allowed.status, 200);
    const refused = await gw.request('/rip/restrict', xff('2.2.2.2'));
    assert.equal(refused.status, 403);
    assert.equal(refused.body, '{"message":"Your IP address is not allowed"}\n');
    assert.equal((await gw.request('/rip/restrict')).status, 403);
  });

  void test('ignores the source when the peer is not a trusted address', async () => {
    await onRoute(gw, 'rip-untrusted', '/rip/untrusted', {
      'real-ip': { source: 'http_x_forwarded_for', trusted_addresses: ['10.0.0.0/8'] },
      'ip-restriction': { whitelist: ['1.1.1.1'] },
    });
    assert.equal((await gw.request('/rip/untrusted', xff('1.1.1.1'))).status, 403);
  });

  void test('refuses confs the schema or the address check reject with 400', async () => {
    await expectRefused(gw, 'real-ip', [
      [{}, 'property "source" is required'],
      [
        { source: 'http_x', trusted_addresses: ['x'] },
        'property "trusted_addresses" validation failed: failed to validate item 1: object matches none of the required',
      ],
      [{ source: 'http_x', trusted_addresses: ['::1/129'] }, 'invalid ip address: ::1/129'],
    ]);
  });

  testPlacements(() => gw, 'rip', {
    plugins: { 'real-ip': { source: 'arg_ip' }, 'ip-restriction': { blacklist: ['5.5.5.5'] } },
    refused: { query: '?ip=5.5.5.5' },
    allowed: { query: '?ip=5.5.5.6' },
  });

  void test('takes the address in a global rule before the route restricts it', async () => {
    await onRoute(gw, 'rip-plain', '/rip/plain', { 'ip-restriction': { blacklist: ['7.7.7.7'] } });
    const client = (ip: string) => ({ headers: { 'X-Client': ip } });
    // A global rule's real-ip runs before the route's ip-restriction.
    await gw.put('/global_rules/rip', { plugins: { 'real-ip': { source: 'http_x_client' } } });
    try {
      assert.equal((await gw.request('/rip/plain', client('7.7.7.7'))).status, 403);
      assert.equal((await gw.request('/rip/plain', client('7.7.7.8'))).status, 200);
    } finally {
      await gw.delete('/global_rules/rip');
    }
    assert.equal((await gw.request('/rip/plain', client('7.7.7.7'))).status, 200);
  });
});
