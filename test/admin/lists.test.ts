import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAdmin, type TestAdmin } from './helpers.js';

const UPSTREAM = { type: 'roundrobin', nodes: { '127.0.0.1:1980': 1 } };

void describe('lists', () => {
  let admin: TestAdmin;
  before(async () => {
    admin = await startAdmin();
    await admin.request('PUT', '/apisix/admin/upstreams/u1', UPSTREAM);
    await admin.request('PUT', '/apisix/admin/services/s1', { upstream_id: 'u1' });
    // Created in reverse key order so key order and creation order differ.
    for (let i = 12; i >= 1; i--) {
      await admin.request('PUT', `/apisix/admin/routes/r${i}`, {
        uri: i % 2 === 0 ? `/even/${i}` : undefined,
        uris: i % 2 === 1 ? [`/odd/${i}`, '/shared'] : undefined,
        name: `route-${i}`,
        labels: i <= 3 ? { env: 'prod' } : { team: 'a' },
        ...(i <= 2 ? { service_id: 's1' } : { upstream_id: 'u1' }),
      });
    }
  });
  after(() => admin.close());

  void it('lists in key order with {list, total} and per-item indexes', async () => {
    const res = await admin.request('GET', '/apisix/admin/routes');
    assert.equal(res.status, 200);
    assert.equal(res.body.total, 12);
    assert.deepEqual(
      res.body.list.map((i: { value: { id: string } }) => i.value.id),
      ['r1', 'r10', 'r11', 'r12', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9'],
    );
    const first = res.body.list[0];
    assert.equal(first.key, '/apisix/routes/r1');
    assert.ok(first.createdIndex > 0 && first.modifiedIndex >= first.createdIndex);
  });

  void it('answers {"list":[],"total":0} for an empty directory', async () => {
    const res = await admin.request('GET', '/apisix/admin/ssls');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { list: [], total: 0 });
  });

  void it('paginates by creation order when page and page_size are both given', async () => {
    const page1 = await admin.request('GET', '/apisix/admin/routes?page=1&page_size=10');
    assert.equal(page1.body.total, 12);
    assert.deepEqual(
      page1.body.list.map((i: { value: { id: string } }) => i.value.id),
      ['r12', 'r11', 'r10', 'r9', 'r8', 'r7', 'r6', 'r5', 'r4', 'r3'],
    );
    const page2 = await admin.request('GET', '/apisix/admin/routes?page=2&page_size=10');
    assert.deepEqual(
      page2.body.list.map((i: { value: { id: string } }) => i.value.id),
      ['r2', 'r1'],
    );
    const page0 = await admin.request('GET', '/apisix/admin/routes?page=0&page_size=10');
    assert.equal(page0.body.list[0].value.id, 'r12');
  });

  void it('refuses a page_size outside 10..500 with a plain-text 400', async () => {
    for (const size of ['9', '501']) {
      const res = await admin.request('GET', `/apisix/admin/routes?page=1&page_size=${size}`);
      assert.equal(res.status, 400);
      assert.equal(res.text, 'page_size must be between 10 and 500');
    }
  });

  void it('ignores pagination unless both parameters are numbers', async () => {
    const res = await admin.request('GET', '/apisix/admin/routes?page=1&page_size=x');
    assert.equal(res.body.list.length, 12);
  });

  void it('filters by name (regex search), counting after the filter', async () => {
    const res = await admin.request('GET', '/apisix/admin/routes?name=route-1[01]');
    assert.equal(res.body.total, 2);
    const anchored = await admin.request('GET', '/apisix/admin/routes?name=^route-2$');
    assert.equal(anchored.body.total, 1);
  });

  void it('refuses a name or uri regex that backtracks without end, and keeps answering', async () => {
    await admin.request('PUT', '/apisix/admin/routes/slow', {
      uri: `/${'a'.repeat(40)}!`,
      name: `${'a'.repeat(40)}!`,
      upstream_id: 'u1',
    });
    try {
      for (const arg of ['name', 'uri']) {
        const res = await admin.request(
          'GET',
          `/apisix/admin/routes?${arg}=${encodeURIComponent('(a+)+$')}`,
        );
        assert.equal(res.status, 400);
        assert.deepEqual(res.body, {
          error_msg: `invalid argument ${arg}: the regular expression took more than 500 ms to search`,
        });
      }
      const next = await admin.request('GET', '/apisix/admin/routes?name=^route-2$');
      assert.equal(next.body.total, 1);
    } finally {
      await admin.request('DELETE', '/apisix/admin/routes/slow');
    }
  });

  void it('filters by label key, not value; an empty label keeps nothing', async () => {
    const env = await admin.request('GET', '/apisix/admin/routes?label=env');
    assert.equal(env.body.total, 3);
    const value = await admin.request('GET', '/apisix/admin/routes?label=prod');
    assert.equal(value.body.total, 0);
    const empty = await admin.request('GET', '/apisix/admin/routes?label=');
    assert.equal(empty.body.total, 0);
  });

  void it('filters by uri over uri and uris', async () => {
    const even = await admin.request('GET', '/apisix/admin/routes?uri=even');
    assert.equal(even.body.total, 6);
    const shared = await admin.request('GET', '/apisix/admin/routes?uri=shared');
    assert.equal(shared.body.total, 6);
  });

  void it('filters by service_id and upstream_id with filter=, ignoring other fields', async () => {
    const svc = await admin.request(
      'GET',
      `/apisix/admin/routes?filter=${encodeURIComponent('service_id=s1')}`,
    );
    assert.equal(svc.body.total, 2);
    const up = await admin.request(
      'GET',
      `/apisix/admin/routes?filter=${encodeURIComponent('upstream_id=u1&name=zzz')}`,
    );
    assert.equal(up.body.total, 10);
  });

  void it('combines filters with pagination', async () => {
    const res = await admin.request('GET', '/apisix/admin/routes?uri=odd&page=1&page_size=10');
    assert.equal(res.body.total, 6);
    assert.equal(res.body.list[0].value.id, 'r11');
  });
});
