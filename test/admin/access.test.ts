import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_KEY, VIEWER_KEY, startAdmin, type TestAdmin } from './helpers.js';

const NO_KEY = { 'X-No-Key': '1' };

void describe('admin keys', () => {
  let admin: TestAdmin;
  before(async () => {
    admin = await startAdmin();
  });
  after(() => admin.close());

  void it('refuses a request without a key: 401 missing apikey', async () => {
    const res = await admin.request('GET', '/apisix/admin/routes', undefined, NO_KEY);
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, {
      error_msg: 'failed to check token',
      description: 'missing apikey',
    });
  });

  void it('refuses a wrong key: 401 wrong apikey', async () => {
    const res = await admin.request('GET', '/apisix/admin/routes', undefined, {
      'X-API-KEY': 'nope',
    });
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { error_msg: 'failed to check token', description: 'wrong apikey' });
  });

  void it('refuses keys that differ from the admin key only by their end or their length', async () => {
    const nearMisses = [
      ADMIN_KEY.slice(0, -1),
      `${ADMIN_KEY}x`,
      `${ADMIN_KEY}${ADMIN_KEY}`,
      `${ADMIN_KEY.slice(0, -1)}${ADMIN_KEY.endsWith('a') ? 'b' : 'a'}`,
    ];
    for (const key of nearMisses) {
      const res = await admin.request('GET', '/apisix/admin/routes', undefined, {
        'X-API-KEY': key,
      });
      assert.equal(res.status, 401, key);
    }
    const empty = await admin.request('GET', '/apisix/admin/routes?api_key=', undefined, NO_KEY);
    assert.equal(empty.status, 401);
  });

  void it('accepts the key from the query, the X-API-KEY header and the x_api_key cookie', async () => {
    const query = await admin.request(
      'GET',
      `/apisix/admin/routes?api_key=${ADMIN_KEY}`,
      undefined,
      NO_KEY,
    );
    const header = await admin.request('GET', '/apisix/admin/routes', undefined, {
      'X-API-KEY': ADMIN_KEY,
    });
    const cookie = await admin.request('GET', '/apisix/admin/routes', undefined, {
      Cookie: `a=b; x_api_key=${ADMIN_KEY}`,
    });
    assert.deepEqual([query.status, header.status, cookie.status], [200, 200, 200]);
  });

  void it('looks at the query before the header', async () => {
    const res = await admin.request('GET', '/apisix/admin/routes?api_key=wrong', undefined, {
      'X-API-KEY': ADMIN_KEY,
    });
    assert.equal(res.status, 401);
    assert.equal(res.body.description, 'wrong apikey');
  });

  void it('lets a viewer GET but nothing else', async () => {
    const get = await admin.request('GET', '/apisix/admin/routes', undefined, {
      'X-API-KEY': VIEWER_KEY,
    });
    assert.equal(get.status, 200);
    const before = await admin.revision();
    const put = await admin.request(
      'PUT',
      '/apisix/admin/routes/v',
      { uri: '/v' },
      { 'X-API-KEY': VIEWER_KEY },
    );
    assert.equal(put.status, 401);
    assert.deepEqual(put.body, {
      error_msg: 'failed to check token',
      description: 'invalid method for role viewer',
    });
    assert.equal(await admin.revision(), before);
  });

  void it('answers HEAD /apisix/admin with 200 and no key', async () => {
    const res = await admin.request('HEAD', '/apisix/admin', undefined, NO_KEY);
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
  });

  void it('answers CORS preflights without a key', async () => {
    const res = await admin.request('OPTIONS', '/apisix/admin/routes/1', undefined, NO_KEY);
    assert.equal(res.status, 200);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(
      res.headers['access-control-allow-methods'],
      'POST, GET, PUT, OPTIONS, DELETE, PATCH',
    );
    assert.equal(res.headers['access-control-max-age'], '3600');
    assert.equal(res.headers['access-control-allow-headers'], '*');
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
  });

  void it('adds CORS headers to ordinary responses', async () => {
    const res = await admin.request('GET', '/apisix/admin/routes');
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['access-control-expose-headers'], '*');
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
  });

  void it('answers unknown paths and methods with 404', async () => {
    assert.equal((await admin.request('GET', '/other')).status, 404);
    assert.equal((await admin.request('HEAD', '/apisix/admin/routes')).status, 404);
  });
});

void describe('admin without keys', () => {
  void it('skips the key check when admin_key_required is false', async () => {
    const admin = await startAdmin({ admin: { admin_key_required: false }, anonymous: true });
    try {
      assert.equal((await admin.request('GET', '/apisix/admin/routes')).status, 200);
    } finally {
      await admin.close();
    }
  });

  void it('sends no CORS headers when enable_admin_cors is false', async () => {
    const admin = await startAdmin({ admin: { enable_admin_cors: false } });
    try {
      const res = await admin.request('GET', '/apisix/admin/routes');
      assert.equal(res.headers['access-control-allow-origin'], undefined);
    } finally {
      await admin.close();
    }
  });
});

void describe('allow_admin', () => {
  void it('refuses loopback when only 10.0.0.0/8 is allowed: 403 JSON, even for HEAD and OPTIONS', async () => {
    const admin = await startAdmin({ admin: { allow_admin: ['10.0.0.0/8'] } });
    try {
      for (const method of ['GET', 'HEAD', 'OPTIONS']) {
        const path = method === 'GET' ? '/apisix/admin/routes' : '/apisix/admin';
        const res = await admin.request(method, path);
        assert.equal(res.status, 403, method);
        if (method === 'GET') assert.equal(typeof res.body.error_msg, 'string');
      }
    } finally {
      await admin.close();
    }
  });

  void it('admits loopback when 127.0.0.0/24 is allowed', async () => {
    const admin = await startAdmin({ admin: { allow_admin: ['10.0.0.0/8', '127.0.0.0/24'] } });
    try {
      assert.equal((await admin.request('GET', '/apisix/admin/routes')).status, 200);
    } finally {
      await admin.close();
    }
  });
});
