import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import cors from '../../src/plugins/cors.js';
import { fakeContext, fakeEnv, type FakeRequest } from '../support/fake-plugin-context.js';
import { useTestGateway } from './lib/gateway.js';
import { confError, prepared, testConfErrors } from './lib/conf.js';
import { onRoute } from './lib/placement-suite.js';
import {
  expectRefused,
  viaConsumer,
  viaGlobalRule,
  viaPluginConfig,
  viaService,
} from './lib/placements.js';

const ALL_METHODS = 'GET,POST,PUT,DELETE,PATCH,HEAD,OPTIONS,CONNECT,TRACE';
const SPECIFIED = {
  allow_origins: 'http://sub.domain.com,http://sub2.domain.com',
  allow_methods: 'GET,POST',
  allow_headers: 'headr1,headr2',
  expose_headers: 'ex-headr1,ex-headr2',
  max_age: 50,
  allow_credential: true,
};
const METADATA = {
  cors: {
    allow_origins: {
      company: 'https://company.com',
      partners: 'https://a.partner.com,https://b.partner.com',
      anyone: '*',
    },
  },
};

/** The response headers cors leaves after rewrite then header_filter, names lower-cased. */
function corsHeaders(
  conf: Record<string, unknown>,
  req: FakeRequest,
  metadata: Record<string, Record<string, unknown>> = {},
): Record<string, string> {
  const env = fakeEnv(metadata);
  const p = prepared(cors, conf, env);
  const ctx = fakeContext(req, env);
  assert.equal(cors.rewrite?.(p, ctx), undefined);
  cors.headerFilter?.(p, ctx);
  return Object.fromEntries([...ctx.responseHeaders].map(([k, v]) => [k, v.join(', ')]));
}

const origin = (value: string, more: Record<string, string> = {}): FakeRequest => ({
  headers: { Origin: value, ...more },
});

void describe('cors hooks', () => {
  void test('answers any OPTIONS request with an empty 200 in rewrite', () => {
    const p = prepared(cors, {});
    assert.deepEqual(cors.rewrite?.(p, fakeContext({ method: 'OPTIONS' })), {
      status: 200,
      body: '',
    });
    assert.equal(cors.rewrite?.(p, fakeContext({ method: 'GET' })), undefined);
  });

  const cases: Array<{
    desc: string;
    conf: Record<string, unknown>;
    req: FakeRequest;
    want: Record<string, string>;
  }> = [
    {
      desc: 'allows every origin with the defaults, a request without Origin included',
      conf: {},
      req: {},
      want: {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': '*',
        'access-control-allow-headers': '*',
        'access-control-max-age': '5',
      },
    },
    {
      desc: 'echoes a listed origin with the configured headers and Vary: Origin',
      conf: SPECIFIED,
      req: origin('http://sub2.domain.com'),
      want: {
        'access-control-allow-origin': 'http://sub2.domain.com',
        vary: 'Origin',
        'access-control-allow-methods': 'GET,POST',
        'access-control-allow-headers': 'headr1,headr2',
        'access-control-expose-headers': 'ex-headr1,ex-headr2',
        'access-control-max-age': '50',
        'access-control-allow-credentials': 'true',
      },
    },
    {
      desc: 'adds only Vary for an origin that is not listed',
      conf: SPECIFIED,
      req: origin('http://sub3.domain.com'),
      want: { vary: 'Origin' },
    },
    {
      desc: 'adds only Vary for a single origin the request does not come from',
      conf: { allow_origins: 'http://one.com' },
      req: origin('http://two.com'),
      want: { vary: 'Origin' },
    },
    {
      desc: 'echoes the origin, every method and the requested headers with **',
      conf: { allow_origins: '**', allow_methods: '**', allow_headers: '**', expose_headers: '*' },
      req: origin('https://sub.domain.com', { 'Access-Control-Request-Headers': 'h1,h2' }),
      want: {
        'access-control-allow-origin': 'https://sub.domain.com',
        vary: 'Origin',
        'access-control-allow-methods': ALL_METHODS,
        'access-control-allow-headers': 'h1,h2',
        'access-control-expose-headers': '*',
        'access-control-max-age': '5',
      },
    },
    {
      desc: 'allows * with ** when the request has no Origin',
      conf: { allow_origins: '**', allow_headers: '**' },
      req: {},
      want: {
        'access-control-allow-origin': '*',
        vary: 'Origin',
        'access-control-allow-methods': '*',
        'access-control-max-age': '5',
      },
    },
    {
      desc: 'echoes an origin a regex finds, the regex replacing allow_origins',
      conf: { allow_origins_by_regex: ['^http://.*\\.test\\.com$'], max_age: -1 },
      req: origin('http://a.test.com'),
      want: {
        'access-control-allow-origin': 'http://a.test.com',
        'access-control-allow-methods': '*',
        'access-control-allow-headers': '*',
        'access-control-max-age': '-1',
      },
    },
    {
      desc: 'adds nothing for an origin no regex finds, even with allow_origins *',
      conf: { allow_origins_by_regex: ['^http://.*\\.test\\.com$'] },
      req: origin('http://a.test.org'),
      want: {},
    },
    {
      desc: 'allows the Timing-Allow-Origin of a listed origin',
      conf: { allow_origins: 'http://t.com', timing_allow_origins: 'http://t.com,http://u.com' },
      req: origin('http://u.com'),
      want: { vary: 'Origin', 'timing-allow-origin': 'http://u.com' },
    },
    {
      desc: 'allows the Timing-Allow-Origin of an origin a regex finds',
      conf: { timing_allow_origins_by_regex: ['\\.timing\\.com$'] },
      req: origin('http://x.timing.com'),
      want: {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': '*',
        'access-control-allow-headers': '*',
        'access-control-max-age': '5',
        'timing-allow-origin': 'http://x.timing.com',
      },
    },
  ];
  for (const c of cases) {
    void test(c.desc, () => {
      assert.deepEqual(corsHeaders(c.conf, c.req), c.want);
    });
  }

  const ALLOWED_PARTNER = {
    'access-control-allow-origin': 'https://b.partner.com',
    'access-control-allow-methods': '*',
    'access-control-allow-headers': '*',
    'access-control-max-age': '5',
  };
  const metadataCases: Array<{
    desc: string;
    conf: Record<string, unknown>;
    req: FakeRequest;
    want: Record<string, string>;
  }> = [
    {
      desc: 'echoes an origin of the metadata entries the conf names',
      conf: { allow_origins_by_metadata: ['company', 'partners'] },
      req: origin('https://b.partner.com'),
      want: ALLOWED_PARTNER,
    },
    {
      desc: 'adds nothing for an origin only in an entry the conf does not name',
      conf: { allow_origins_by_metadata: ['partners'] },
      req: origin('https://company.com'),
      want: {},
    },
    {
      desc: 'falls back to its own allow_origins when the metadata does not allow the origin',
      conf: { allow_origins_by_metadata: ['company'], allow_origins: 'https://own.com' },
      req: origin('https://own.com'),
      want: {
        ...ALLOWED_PARTNER,
        'access-control-allow-origin': 'https://own.com',
        vary: 'Origin',
      },
    },
    {
      desc: 'echoes any origin for a metadata entry of *',
      conf: { allow_origins_by_metadata: ['anyone'] },
      req: origin('https://who.ever'),
      want: { ...ALLOWED_PARTNER, 'access-control-allow-origin': 'https://who.ever' },
    },
  ];
  for (const c of metadataCases) {
    void test(c.desc, () => {
      assert.deepEqual(corsHeaders(c.conf, c.req, METADATA), c.want);
    });
  }

  void test('adds nothing by metadata when no plugin_metadata exists', () => {
    assert.deepEqual(
      corsHeaders({ allow_origins_by_metadata: ['company'] }, origin('https://company.com')),
      {},
    );
  });

  void test('decides on the Origin the request came with, whatever later plugins did to it', () => {
    const p = prepared(cors, { allow_origins: 'http://a.com' });
    const ctx = fakeContext(origin('http://a.com'));
    assert.equal(cors.rewrite?.(p, ctx), undefined);
    ctx.setHeader('Origin', 'http://b.com');
    cors.headerFilter?.(p, ctx);
    assert.equal(ctx.response.header('access-control-allow-origin'), 'http://a.com');
  });

  void test('adds Vary after the Vary values the upstream sent', () => {
    const p = prepared(cors, SPECIFIED);
    const ctx = fakeContext(origin('http://sub.domain.com'));
    ctx.response.setHeader('Vary', 'Via');
    cors.headerFilter?.(p, ctx);
    assert.equal(ctx.response.header('vary'), 'Via, Origin');
  });

  const CREDENTIAL_STAR = "you can not set '*' for other option when 'allow_credential' is true";
  const schemaCases = [
    {
      desc: 'allow_credential with the * defaults',
      conf: { allow_credential: true },
      err: CREDENTIAL_STAR,
    },
    {
      desc: 'allow_credential with expose_headers *',
      conf: { ...SPECIFIED, expose_headers: '*' },
      err: CREDENTIAL_STAR,
    },
    {
      desc: 'a max_age that is a string',
      conf: { max_age: '5' },
      err: 'property "max_age" validation failed: wrong type: expected integer, got string',
    },
    {
      desc: 'an allow_origins that is no origin list',
      conf: { allow_origins: 'example.com' },
      err: 'property "allow_origins" validation failed: failed to match pattern "^(\\\\*|\\\\*\\\\*|null|\\\\w+://[^,]+(,\\\\w+://[^,]+)*)$" with "example.com"',
    },
    {
      desc: 'a regex that does not compile',
      conf: { allow_origins_by_regex: ['(x'] },
      err: 'pcre_compile() failed: missing ) in "(x"',
    },
  ];
  testConfErrors(cors, schemaCases);

  void test('accepts metadata of origin lists and refuses one that is no origin list', () => {
    assert.equal(confError(cors, METADATA.cors, 'metadata'), undefined);
    assert.match(
      confError(cors, { allow_origins: { a: 'nope' } }, 'metadata') ?? '',
      /failed to match pattern/,
    );
  });
});

void describe('cors over traffic', () => {
  const gw = useTestGateway();

  const from = (origin: string, more: Record<string, string> = {}) => ({
    headers: { Origin: origin, ...more },
  });

  void test('adds the default CORS headers to a proxied response', async () => {
    await onRoute(gw, 'cors-default', '/cors/default', { cors: {} });
    const reply = await gw.request('/cors/default', from('http://a.com'));
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['x-upstream'], 'echo');
    assert.equal(reply.headers['access-control-allow-origin'], '*');
    assert.equal(reply.headers['access-control-allow-methods'], '*');
    assert.equal(reply.headers['access-control-allow-headers'], '*');
    assert.equal(reply.headers['access-control-max-age'], '5');
    assert.equal(reply.headers['vary'], undefined);
    assert.equal(reply.headers['access-control-allow-credentials'], undefined);
  });

  void test('answers a preflight OPTIONS with 200 and the headers, without the upstream', async () => {
    await onRoute(gw, 'cors-preflight', '/cors/preflight', {
      cors: { allow_origins: '**', allow_headers: '**' },
    });
    const seen = gw.echo.received.length;
    const reply = await gw.request('/cors/preflight', {
      method: 'OPTIONS',
      ...from('https://app.example.com', {
        'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Headers': 'x-token',
      }),
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.body, '');
    assert.equal(reply.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal(reply.headers['access-control-allow-headers'], 'x-token');
    assert.equal(reply.headers['vary'], 'Origin');
    assert.equal(gw.echo.received.length, seen);
  });

  void test('echoes a listed origin with credentials and leaves an unlisted one without CORS headers', async () => {
    await onRoute(gw, 'cors-list', '/cors/list', { cors: SPECIFIED });
    const allowed = await gw.request('/cors/list', from('http://sub.domain.com'));
    assert.equal(allowed.headers['access-control-allow-origin'], 'http://sub.domain.com');
    assert.equal(allowed.headers['access-control-allow-credentials'], 'true');
    assert.equal(allowed.headers['access-control-expose-headers'], 'ex-headr1,ex-headr2');
    assert.equal(allowed.headers['access-control-max-age'], '50');
    assert.equal(allowed.headers['vary'], 'Origin');
    const other = await gw.request('/cors/list', from('http://evil.com'));
    assert.equal(other.status, 200);
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    assert.equal(other.headers['access-control-allow-methods'], undefined);
    assert.equal(other.headers['vary'], 'Origin');
  });

  void test('adds the CORS headers to a 401 from key-auth', async () => {
    await onRoute(gw, 'cors-auth', '/cors/auth', {
      cors: { allow_origins: '**' },
      'key-auth': {},
    });
    const reply = await gw.request('/cors/auth', from('https://sub.domain.com'));
    assert.equal(reply.status, 401);
    assert.equal(reply.body, '{"message":"Missing API key in request"}\n');
    assert.equal(reply.headers['access-control-allow-origin'], 'https://sub.domain.com');
    assert.equal(reply.headers['access-control-allow-methods'], '*');
  });

  void test('allows the origins of plugin_metadata entries the conf names', async () => {
    await gw.put('/plugin_metadata/cors', METADATA.cors);
    await onRoute(gw, 'cors-metadata', '/cors/metadata', {
      cors: { allow_origins_by_metadata: ['partners'] },
    });
    const partner = await gw.request('/cors/metadata', from('https://a.partner.com'));
    assert.equal(partner.headers['access-control-allow-origin'], 'https://a.partner.com');
    const company = await gw.request('/cors/metadata', from('https://company.com'));
    assert.equal(company.headers['access-control-allow-origin'], undefined);
    await gw.put('/plugin_metadata/cors', { allow_origins: { partners: 'https://company.com' } });
    const changed = await gw.request('/cors/metadata', from('https://company.com'));
    assert.equal(changed.headers['access-control-allow-origin'], 'https://company.com');
  });

  void test('refuses confs the schema or the credential check reject with 400', async () => {
    await expectRefused(gw, 'cors', [
      [
        { allow_credential: true },
        "you can not set '*' for other option when 'allow_credential' is true",
      ],
      [
        { max_age: 'x' },
        'property "max_age" validation failed: wrong type: expected integer, got string',
      ],
      [
        { timing_allow_origins_by_regex: ['[z'] },
        'pcre_compile() failed: missing terminating ] for character class in "[z"',
      ],
    ]);
    const metadata = await gw.admin('PUT', '/plugin_metadata/cors', { allow_origins: { a: 'x' } });
    assert.equal(metadata.status, 400);
  });

  const allowOrigin = async (path: string, origin: string, more?: Record<string, string>) =>
    (await gw.request(path, from(origin, more))).headers['access-control-allow-origin'];

  void test('adds the headers configured on a service', async () => {
    const path = await viaService(gw, 'cors-svc', { cors: { allow_origins: 'http://svc.com' } });
    assert.equal(await allowOrigin(path, 'http://svc.com'), 'http://svc.com');
  });

  void test('adds the headers configured on a plugin_config', async () => {
    const path = await viaPluginConfig(gw, 'cors-pc', { cors: { allow_origins: 'http://pc.com' } });
    assert.equal(await allowOrigin(path, 'http://pc.com'), 'http://pc.com');
  });

  void test('adds the headers of a consumer once key-auth identified it, not for others', async () => {
    const { path, jack, rose } = await viaConsumer(gw, 'cors-consumer', {
      cors: { allow_origins: 'http://jack.com' },
    });
    assert.equal(await allowOrigin(path, 'http://jack.com', jack), 'http://jack.com');
    assert.equal(await allowOrigin(path, 'http://jack.com', rose), undefined);
  });

  void test('adds the headers and answers preflights for every route of a global rule', async () => {
    const rule = { cors: { allow_origins: 'http://g.com' } };
    const path = await viaGlobalRule(gw, 'cors-global', rule, async (p) => {
      assert.equal(await allowOrigin(p, 'http://g.com'), 'http://g.com');
      const preflight = await gw.request(p, { method: 'OPTIONS', ...from('http://g.com') });
      assert.equal(preflight.status, 200);
    });
    assert.equal(await allowOrigin(path, 'http://g.com'), undefined);
  });
});
