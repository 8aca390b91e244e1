import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startAdmin } from './helpers.js';

void describe('store failures', () => {
  void it('answers 503 {"error_msg": ...} when the store is unavailable', async () => {
    const admin = await startAdmin();
    try {
      await admin.store.close();
      const res = await admin.request('GET', '/apisix/admin/routes/1');
      assert.equal(res.status, 503);
      assert.equal(typeof res.body.error_msg, 'string');
    } finally {
      await admin.close().catch(() => undefined);
    }
  });

  void it('answers 500 and keeps serving when something throws unexpectedly', async () => {
    const admin = await startAdmin();
    try {
      admin.store.range = () => Promise.reject(new TypeError('boom'));
      const res = await admin.request('GET', '/apisix/admin/routes');
      assert.equal(res.status, 500);
      assert.equal(typeof res.body.error_msg, 'string');
      assert.equal((await admin.request('GET', '/apisix/admin/routes/1')).status, 404);
    } finally {
      await admin.close();
    }
  });
});
