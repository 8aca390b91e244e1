import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import uriBlocker from '../../src/plugins/uri-blocker.js';
import { fakeContext } from '../support/fake-plugin-context.js';
import { useTestGateway } from './lib/gateway.js';
import { prepared, testConfErrors } from './lib/conf.js';
import { onRoute, testPlacements } from './lib/placement-suite.js';
import { expectRefused } from './lib/placements.js';

void describe('uri-blocker hooks', () => {
  const cases = [
    {
      desc: 'a path a rule finds',
      conf: { block_rules: ['root.exe', 'root.m+'] },
      url: '/a/root.exe',
      blocked: true,
    },
    {
      desc: 'a query a rule finds',
      conf: { block_rules: ['x=1'] },
      url: '/a?y=2&x=1',
      blocked: true,
    },
    {
      desc: 'a path no rule finds',
      conf: { block_rules: ['^/admin'] },
      url: '/public/admin',
      blocked: false,
    },
    {
      desc: 'a path in other case',
      conf: { block_rules: ['/ADMIN'] },
      url: '/admin',
      blocked: false,
    },
    {
      desc: 'a path in other case with case_insensitive',
      conf: { block_rules: ['/ADMIN'], case_insensitive: true },
      url: '/admin',
      blocked: true,
    },
    {
      desc: 'a path a rule with its own (?i) finds',
      conf: { block_rules: ['^/x', '(?i)\\.PHP$'] },
      url: '/a/b.php',
      blocked: true,
    },
  ];
  for (const c of cases) {
    void test(`${c.blocked ? 'refuses' : 'lets through'} ${c.desc}`, () => {
      const result = uriBlocker.rewrite?.(
        prepared(uriBlocker, c.conf),
        fakeContext({ url: c.url }),
      );
      if (c.blocked) assert.deepEqual(result, { status: 403 });
      else assert.equal(result, undefined);
    });
  }

  void test('refuses with rejected_code and an error_msg body when rejected_msg is set', () => {
    const p = prepared(uriBlocker, {
      block_rules: ['^/x'],
      rejected_code: 410,
      rejected_msg: 'gone',
    });
    assert.deepEqual(uriBlocker.rewrite?.(p, fakeContext({ url: '/x' })), {
      status: 410,
      body: { error_msg: 'gone' },
    });
  });

  const schemaCases = [
    { desc: 'no block_rules', conf: {}, err: 'property "block_rules" is required' },
    {
      desc: 'a rule that does not compile',
      conf: { block_rules: ['.+('] },
      err: 'pcre_compile() failed: missing ) in ".+("',
    },
    {
      desc: 'an empty rejected_msg',
      conf: { block_rules: ['a'], rejected_msg: '' },
      err: 'property "rejected_msg" validation failed: string too short, expected at least 1, got 0',
    },
    {
      desc: 'a boolean rejected_msg',
      conf: { block_rules: ['a'], rejected_msg: true },
      err: 'property "rejected_msg" validation failed: wrong type: expected string, got boolean',
    },
  ];
  testConfErrors(uriBlocker, schemaCases);
});

void describe('uri-blocker over traffic', () => {
  const gw = useTestGateway();

  void test('refuses a blocked URI with the 403 page and lets others through', async () => {
    await onRoute(gw, 'ub-page', '/ub/page/*', {
      'uri-blocker': { block_rules: ['root\\.exe', 'secret=1'] },
    });
    const refused = await gw.request('/ub/page/root.exe');
    assert.equal(refused.status, 403);
    assert.match(refused.body, /^<html>\r\n<head><title>403 /);
    assert.equal(refused.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal((await gw.request('/ub/page/a?secret=1')).status, 403);
    assert.equal((await gw.request('/ub/page/rootaexe')).status, 200);
  });

  void test('refuses with rejected_code and an error_msg JSON body', async () => {
    await onRoute(gw, 'ub-msg', '/ub/msg/*', {
      'uri-blocker': {
        block_rules: ['/PRIVATE/'],
        case_insensitive: true,
        rejected_code: 410,
        rejected_msg: 'access is not allowed',
      },
    });
    const refused = await gw.request('/ub/msg/private/x');
    assert.equal(refused.status, 410);
    assert.equal(refused.body, '{"error_msg":"access is not allowed"}\n');
    assert.equal(refused.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal((await gw.request('/ub/msg/public/x')).status, 200);
  });

  void test('matches the normalised request URI, not the raw one', async () => {
    await onRoute(gw, 'ub-norm', '/ub/norm/*', {
      'uri-blocker': { block_rules: ['/ub/norm/admin'] },
    });
    assert.equal((await gw.request('/ub/norm/x/../admin')).status, 403);
  });

  void test('refuses confs the schema or the regex check reject with 400', async () => {
    await expectRefused(gw, 'uri-blocker', [
      [{}, 'property "block_rules" is required'],
      [{ block_rules: ['^b('] }, 'pcre_compile() failed: missing ) in "^b("'],
      [
        { block_rules: ['a'], rejected_code: 100 },
        'property "rejected_code" validation failed: expected 100 to be at least 200',
      ],
    ]);
  });

  testPlacements(() => gw, 'ub', {
    plugins: { 'uri-blocker': { block_rules: ['blocked=1'] } },
    refused: { query: '?blocked=1' },
    allowed: { query: '?blocked=0' },
  });
});
