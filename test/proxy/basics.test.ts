import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { echoUpstream, gateway, json, send, type Gateway, type Listening } from './helpers.js';

let up: Listening;
let gw: Gateway;

before(async () => {
  up = await echoUpstream();
  gw = await gateway();
  gw.feed.put('routes/1', {
    uri: '/hello',
    upstream: { nodes: { [`127.0.0.1:${up.port}`]: 1 } },
  });
});

after(async () => {
  await gw.close();
  await up.close();
});

void test('proxies a matched route to its inline upstream with the original request target', async () => {
  const r = await send(`${gw.url}/hello?x=1`);
  assert.equal(r.status, 200);
  assert.equal(json(r).url, '/hello?x=1');
  assert.equal(r.headers.server, 'Gatehouse/3.14.0');
});

void test('answers 404 with APISIX JSON when no route matches', async () => {
  const r = await send(`${gw.url}/nope`);
  assert.equal(r.status, 404);
  assert.equal(r.body, '{"error_msg":"404 Route Not Found"}\n');
  assert.equal(r.headers.server, 'Gatehouse/3.14.0');
});

void test('a route with a JavaScript filter_func is chosen only when the filter accepts the request', async () => {
  gw.feed.put('routes/filtered', {
    uri: '/filtered',
    filter_func: 'function(vars) { return vars.arg_v === "2" && vars.http_x_tier === "gold"; }',
    upstream: { nodes: { [`127.0.0.1:${up.port}`]: 1 } },
  });
  const yes = await send(`${gw.url}/filtered?v=2`, { headers: { 'x-tier': 'gold' } });
  assert.equal(yes.status, 200);
  const no = await send(`${gw.url}/filtered?v=2`, { headers: { 'x-tier': 'silver' } });
  assert.equal(no.status, 404);
});
