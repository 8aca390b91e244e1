import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import uaRestriction from '../../src/plugins/ua-restriction.js';
import { fakeContext } from '../support/fake-plugin-context.js';
import { useTestGateway } from './lib/gateway.js';
import { prepared, testConfErrors } from './lib/conf.js';
import { onRoute, testPlacements } from './lib/placement-suite.js';
import { expectRefused } from './lib/placements.js';

const DENIED = '{"message":"Not allowed"}\n';

void describe('ua-restriction hooks', () => {
  const cases = [
    {
      desc: 'a User-Agent an allowlist rule finds',
      conf: { allowlist: ['curl/'] },
      ua: 'curl/8.0',
      ok: true,
    },
    {
      desc: 'a User-Agent no allowlist rule finds',
      conf: { allowlist: ['^curl/'] },
      ua: 'x curl/8.0',
      ok: false,
    },
    {
      desc: 'a User-Agent a denylist rule finds',
      conf: { denylist: ['(Baiduspider)', 'bot'] },
      ua: 'my bot 1',
      ok: false,
    },
    {
      desc: 'a User-Agent no denylist rule finds',
      conf: { denylist: ['Baiduspider'] },
      ua: 'Mozilla/5.0',
      ok: true,
    },
    {
      desc: 'a User-Agent matched after trimming',
      conf: { allowlist: ['^curl$'] },
      ua: '  curl  ',
      ok: true,
    },
    {
      desc: 'a case-insensitive rule (?i)',
      conf: { denylist: ['(?i)^BOT'] },
      ua: 'bot/1',
      ok: false,
    },
    { desc: 'a missing User-Agent', conf: { denylist: ['bot'] }, ua: undefined, ok: false },
    {
      desc: 'a missing User-Agent with bypass_missing',
      conf: { denylist: ['bot'], bypass_missing: true },
      ua: undefined,
      ok: true,
    },
  ];
  for (const c of cases) {
    void test(`${c.ok ? 'lets through' : 'refuses'} ${c.desc}`, () => {
      const headers: Record<string, string> = c.ua === undefined ? {} : { 'User-Agent': c.ua };
      const result = uaRestriction.access?.(
        prepared(uaRestriction, c.conf),
        fakeContext({ headers }),
      );
      if (c.ok) assert.equal(result, undefined);
      else assert.deepEqual(result, { status: 403, body: { message: 'Not allowed' } });
    });
  }

  const schemaCases = [
    {
      desc: 'both lists',
      conf: { allowlist: ['a'], denylist: ['b'] },
      err: 'value should match only one schema, but matches both schemas 1 and 2',
    },
    {
      desc: 'a non-boolean bypass_missing',
      conf: { denylist: ['a'], bypass_missing: 'yes' },
      err: 'property "bypass_missing" validation failed: wrong type: expected boolean, got string',
    },
    {
      desc: 'a list that is a string',
      conf: { allowlist: 'a' },
      err: 'property "allowlist" validation failed: wrong type: expected array, got string',
    },
    {
      desc: 'an empty message',
      conf: { denylist: ['a'], message: '' },
      err: 'property "message" validation failed: string too short, expected at least 1, got 0',
    },
    {
      desc: 'a rule that does not compile',
      conf: { denylist: ['ok', '(bad'] },
      err: 'pcre_compile() failed: missing ) in "(bad"',
    },
  ];
  testConfErrors(uaRestriction, schemaCases);
});

void describe('ua-restriction over traffic', () => {
  const gw = useTestGateway();

  const ua = (value: string, headers: Record<string, string> = {}) => ({
    headers: { 'User-Agent': value, ...headers },
  });

  void test('refuses a User-Agent of the denylist with 403 and lets others through', async () => {
    await onRoute(gw, 'uar-deny', '/uar/deny', {
      'ua-restriction': { denylist: ['(Baiduspider)/(\\d+)\\.(\\d+)', 'bad-bot'] },
    });
    const refused = await gw.request('/uar/deny', ua('Baiduspider/3.0'));
    assert.equal(refused.status, 403);
    assert.equal(refused.body, DENIED);
    assert.equal(refused.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal((await gw.request('/uar/deny', ua('a bad-bot here'))).status, 403);
    assert.equal((await gw.request('/uar/deny', ua('Mozilla/5.0'))).status, 200);
  });

  void test('lets only allowlisted User-Agents through, with the configured message', async () => {
    await onRoute(gw, 'uar-allow', '/uar/allow', {
      'ua-restriction': { allowlist: ['^curl/'], message: 'curl only' },
    });
    assert.equal((await gw.request('/uar/allow', ua('curl/8.1'))).status, 200);
    const refused = await gw.request('/uar/allow', ua('wget/1.0'));
    assert.equal(refused.status, 403);
    assert.equal(refused.body, '{"message":"curl only"}\n');
  });

  void test('refuses a request without User-Agent unless bypass_missing', async () => {
    await onRoute(gw, 'uar-missing', '/uar/missing', { 'ua-restriction': { denylist: ['bot'] } });
    await onRoute(gw, 'uar-bypass', '/uar/bypass', {
      'ua-restriction': { denylist: ['bot'], bypass_missing: true },
    });
    const refused = await gw.request('/uar/missing');
    assert.equal(refused.status, 403);
    assert.equal(refused.body, DENIED);
    assert.equal((await gw.request('/uar/bypass')).status, 200);
  });

  void test('refuses confs the schema or the regex check reject with 400', async () => {
    await expectRefused(gw, 'ua-restriction', [
      [{}, 'value should match only one schema, but matches none'],
      [
        { allowlist: ['[a-'] },
        'pcre_compile() failed: missing terminating ] for character class in "[a-"',
      ],
      [
        { denylist: [] },
        'property "denylist" validation failed: expect array to have at least 1 items',
      ],
    ]);
  });

  testPlacements(() => gw, 'uar', {
    plugins: { 'ua-restriction': { denylist: ['placed-bot'] } },
    refused: ua('placed-bot'),
    allowed: ua('browser'),
  });
});
