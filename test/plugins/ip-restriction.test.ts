import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import ipRestriction from '../../src/plugins/ip-restriction.js';
import { fakeContext } from '../support/fake-plugin-context.js';
import { useTestGateway } from './lib/gateway.js';
import { prepared, testConfErrors } from './lib/conf.js';
import { onRoute, testPlacements } from './lib/placement-suite.js';
import { expectRefused } from './lib/placements.js';

const DENIED = '{"message":"Your IP address is not allowed"}\n';

void describe('ip-restriction hooks', () => {
  const cases = [
    {
      desc: 'IPv4 in a whitelisted CIDR',
      conf: { whitelist: ['10.0.0.0/8'] },
      ip: '10.1.2.3',
      ok: true,
    },
    {
      desc: 'IPv4 outside the whitelist',
      conf: { whitelist: ['10.0.0.0/8'] },
      ip: '11.0.0.1',
      ok: false,
    },
    {
      desc: 'IPv4 equal to a whitelisted address',
      conf: { whitelist: ['192.168.1.7'] },
      ip: '192.168.1.7',
      ok: true,
    },
    {
      desc: 'IPv6 in a whitelisted CIDR',
      conf: { whitelist: ['fe80::/32'] },
      ip: 'fe80::1:1',
      ok: true,
    },
    {
      desc: 'IPv6 outside the whitelist',
      conf: { whitelist: ['fe80::/32'] },
      ip: '2001:db8::1',
      ok: false,
    },
    { desc: 'IPv6 in the blacklist', conf: { blacklist: ['::1'] }, ip: '::1', ok: false },
    {
      desc: 'IPv4 in a blacklisted CIDR',
      conf: { blacklist: ['127.0.0.0/24'] },
      ip: '127.0.0.9',
      ok: false,
    },
    {
      desc: 'IPv4 outside the blacklist',
      conf: { blacklist: ['127.0.0.0/24'] },
      ip: '10.0.0.1',
      ok: true,
    },
  ];
  for (const c of cases) {
    void test(`${c.ok ? 'lets through' : 'refuses'} ${c.desc}`, () => {
      const result = ipRestriction.access?.(
        prepared(ipRestriction, c.conf),
        fakeContext({ clientIp: c.ip }),
      );
      if (c.ok) assert.equal(result, undefined);
      else
        assert.deepEqual(result, {
          status: 403,
          body: { message: 'Your IP address is not allowed' },
        });
    });
  }

  void test('refuses with the configured message and response_code', () => {
    const p = prepared(ipRestriction, {
      blacklist: ['10.0.0.1'],
      message: 'go away',
      response_code: 404,
    });
    assert.deepEqual(ipRestriction.access?.(p, fakeContext({ clientIp: '10.0.0.1' })), {
      status: 404,
      body: { message: 'go away' },
    });
  });

  const schemaCases = [
    { desc: 'neither list', conf: {}, err: 'value should match only one schema, but matches none' },
    {
      desc: 'both lists',
      conf: { whitelist: ['172.17.40.0/24'], blacklist: ['10.255.0.0/16'] },
      err: 'value should match only one schema, but matches both schemas 1 and 2',
    },
    {
      desc: 'an empty list',
      conf: { blacklist: [] },
      err: 'property "blacklist" validation failed: expect array to have at least 1 items',
    },
    {
      desc: 'an entry that is no address',
      conf: { whitelist: ['::ffgg'] },
      err: 'property "whitelist" validation failed: failed to validate item 1: object matches none of the required',
    },
    {
      desc: 'an IPv6 prefix over 128',
      conf: { whitelist: ['::1/129'] },
      err: 'invalid ip address: ::1/129',
    },
    {
      desc: 'a response_code over 404',
      conf: { whitelist: ['::1'], response_code: 409 },
      err: 'property "response_code" validation failed: expected 409 to be at most 404',
    },
  ];
  testConfErrors(ipRestriction, schemaCases);
});

void describe('ip-restriction over traffic', () => {
  const gw = useTestGateway();

  // The gateway believes X-Real-IP from 127.0.0.1 (APISIX's default real_ip_from).
  const from = (ip: string, headers: Record<string, string> = {}) => ({
    headers: { 'X-Real-IP': ip, ...headers },
  });

  void test('lets a whitelisted client through and refuses another with 403 and a JSON message', async () => {
    await onRoute(gw, 'ipr-white', '/ipr/white', {
      'ip-restriction': { whitelist: ['10.0.0.0/8', 'fe80::/32'] },
    });
    assert.equal((await gw.request('/ipr/white', from('10.1.2.3'))).status, 200);
    assert.equal((await gw.request('/ipr/white', from('fe80::1:1'))).status, 200);
    const refused = await gw.request('/ipr/white', from('192.168.0.1'));
    assert.equal(refused.status, 403);
    assert.equal(refused.body, DENIED);
    assert.equal(refused.headers['content-type'], 'text/plain; charset=utf-8');
  });

  void test('refuses a blacklisted client with the configured message and response_code', async () => {
    await onRoute(gw, 'ipr-black', '/ipr/black', {
      'ip-restriction': { blacklist: ['10.0.0.1', '::1'], message: 'blocked', response_code: 404 },
    });
    const refused = await gw.request('/ipr/black', from('10.0.0.1'));
    assert.equal(refused.status, 404);
    assert.equal(refused.body, '{"message":"blocked"}\n');
    assert.equal((await gw.request('/ipr/black', from('::1'))).status, 404);
    assert.equal((await gw.request('/ipr/black', from('10.0.0.2'))).status, 200);
  });

  void test('refuses confs the schema or the address check reject with 400', async () => {
    await expectRefused(gw, 'ip-restriction', [
      [{}, 'value should match only one schema, but matches none'],
      [{ whitelist: ['::1/129'] }, 'invalid ip address: ::1/129'],
      [
        { blacklist: ['10.0.0.0/33'] },
        'property "blacklist" validation failed: failed to validate item 1: object matches none of the required',
      ],
    ]);
  });

  testPlacements(() => gw, 'ipr', {
    plugins: { 'ip-restriction': { blacklist: ['10.0.0.5'] } },
    refused: from('10.0.0.5'),
    allowed: from('10.0.0.6'),
  });
});
