import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import refererRestriction from '../../src/plugins/referer-restriction.js';
import { fakeContext } from '../support/fake-plugin-context.js';
import { useTestGateway } from './lib/gateway.js';
import { prepared, testConfErrors } from './lib/conf.js';
import { onRoute, testPlacements } from './lib/placement-suite.js';
import { expectRefused } from './lib/placements.js';

const DENIED = '{"message":"Your referer host is not allowed"}\n';
const WHITE = { whitelist: ['*.xx.com', 'yy.com'] };
const BLACK = { blacklist: ['*.xx.com', 'yy.com'] };

void describe('referer-restriction hooks', () => {
  const cases = [
    { desc: 'an exact whitelisted host', conf: WHITE, referer: 'http://yy.com/x', ok: true },
    {
      desc: 'a host under a whitelisted wildcard',
      conf: WHITE,
      referer: 'https://www.xx.com:8443/',
      ok: true,
    },
    { desc: 'the wildcard domain itself', conf: WHITE, referer: 'http://xx.com', ok: false },
    {
      desc: 'a host that is not whitelisted',
      conf: WHITE,
      referer: 'http://www.yy.com',
      ok: false,
    },
    { desc: 'a scheme-relative Referer', conf: WHITE, referer: '//yy.com/a', ok: true },
    {
      desc: 'a Referer that is not an http(s) URL',
      conf: WHITE,
      referer: 'ftp://yy.com',
      ok: false,
    },
    { desc: 'a missing Referer', conf: WHITE, referer: undefined, ok: false },
    {
      desc: 'a missing Referer with bypass_missing',
      conf: { ...WHITE, bypass_missing: true },
      referer: undefined,
      ok: true,
    },
    { desc: 'a blacklisted host', conf: BLACK, referer: 'http://a.b.xx.com', ok: false },
    { desc: 'a host the blacklist does not name', conf: BLACK, referer: 'http://zz.com', ok: true },
    {
      desc: 'a bracketed IPv6 host in the whitelist',
      conf: { whitelist: ['[::1]'] },
      referer: 'http://[::1]:80/',
      ok: true,
    },
    {
      desc: 'any host with the * pattern',
      conf: { whitelist: ['*'] },
      referer: 'http://any.where',
      ok: true,
    },
  ];
  for (const c of cases) {
    void test(`${c.ok ? 'lets through' : 'refuses'} ${c.desc}`, () => {
      const headers: Record<string, string> = c.referer === undefined ? {} : { Referer: c.referer };
      const result = refererRestriction.access?.(
        prepared(refererRestriction, c.conf),
        fakeContext({ headers }),
      );
      if (c.ok) assert.equal(result, undefined);
      else
        assert.deepEqual(result, {
          status: 403,
          body: { message: 'Your referer host is not allowed' },
        });
    });
  }

  const schemaCases = [
    {
      desc: 'both lists',
      conf: { whitelist: ['a.com'], blacklist: ['b.com'] },
      err: 'value should match only one schema, but matches both schemas 1 and 2',
    },
    {
      desc: 'a host pattern with a path',
      conf: { whitelist: ['a.com/x'] },
      err: 'property "whitelist" validation failed: failed to validate item 1: failed to match pattern "^\\\\*$|^\\\\*?[0-9a-zA-Z-._\\\\[\\\\]:]+$" with "a.com/x"',
    },
  ];
  testConfErrors(refererRestriction, schemaCases);
});

void describe('referer-restriction over traffic', () => {
  const gw = useTestGateway();

  const referer = (value: string, headers: Record<string, string> = {}) => ({
    headers: { Referer: value, ...headers },
  });

  void test('lets a whitelisted Referer through and refuses another with 403', async () => {
    await onRoute(gw, 'rr-white', '/rr/white', { 'referer-restriction': WHITE });
    assert.equal((await gw.request('/rr/white', referer('http://www.xx.com/page'))).status, 200);
    const refused = await gw.request('/rr/white', referer('http://evil.com'));
    assert.equal(refused.status, 403);
    assert.equal(refused.body, DENIED);
    assert.equal(refused.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal((await gw.request('/rr/white')).status, 403);
  });

  void test('refuses a blacklisted Referer with the configured message, and bypasses a missing one', async () => {
    await onRoute(gw, 'rr-black', '/rr/black', {
      'referer-restriction': { ...BLACK, bypass_missing: true, message: 'no hotlinking' },
    });
    const refused = await gw.request('/rr/black', referer('https://yy.com/'));
    assert.equal(refused.status, 403);
    assert.equal(refused.body, '{"message":"no hotlinking"}\n');
    assert.equal((await gw.request('/rr/black', referer('https://zz.com/'))).status, 200);
    assert.equal((await gw.request('/rr/black')).status, 200);
  });

  void test('refuses confs the schema rejects with 400', async () => {
    await expectRefused(gw, 'referer-restriction', [
      [{}, 'value should match only one schema, but matches none'],
      [
        { whitelist: [] },
        'property "whitelist" validation failed: expect array to have at least 1 items',
      ],
      [
        { blacklist: ['a.com'], bypass_missing: 1 },
        'property "bypass_missing" validation failed: wrong type: expected boolean, got number',
      ],
    ]);
  });

  testPlacements(() => gw, 'rr', {
    plugins: { 'referer-restriction': { blacklist: ['placed.bad'] } },
    refused: referer('http://placed.bad/'),
    allowed: referer('http://placed.ok/'),
  });
});
