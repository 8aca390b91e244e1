import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { silentLogger } from '../../src/core/logger.js';
import { DnsCache } from '../../src/upstream/resolve.js';
import { RuntimeUpstream } from '../../src/upstream/runtime.js';

const make = (conf: Record<string, unknown>) =>
  new RuntimeUpstream(
    { key: '/apisix/upstreams/1', version: 1, conf },
    { dns: new DnsCache(), logger: silentLogger() },
  );

void describe('RuntimeUpstream pools (created on first use)', () => {
  void test('the same node gets the same pool on every request', async () => {
    const up = make({ type: 'roundrobin', nodes: { '127.0.0.1:1980': 1 } });
    const node = up.nodes[0]!;
    const connect = up.settings.timeout.connect;
    const a = up.pool(node, undefined, connect);
    assert.equal(up.pool(node, undefined, connect), a);
    assert.notEqual(up.pool(node, undefined, connect + 1), a);
    up.close();
    // After close, a late request still gets a pool, but not the closed shared one.
    assert.notEqual(up.pool(node, undefined, connect), a);
    await a.close().catch(() => undefined);
  });

  void test('closing an upstream never requested, then a late request: an unshared pool', async () => {
    const up = make({ type: 'roundrobin', nodes: { '127.0.0.1:1980': 1 } });
    up.close();
    const node = up.nodes[0]!;
    const connect = up.settings.timeout.connect;
    const a = up.pool(node, undefined, connect);
    const b = up.pool(node, undefined, connect);
    assert.notEqual(a, b);
    await Promise.all([a.close(), b.close()]);
  });
});

void describe('RuntimeUpstream nodeHost', () => {
  void test('name plus a non-default port, without the port when it is the default', () => {
    const up = make({ type: 'roundrobin', nodes: { '127.0.0.1:1980': 1, '127.0.0.2:80': 1 } });
    const [a, b] = up.nodes;
    assert.equal(up.nodeHost(a!), '127.0.0.1:1980');
    assert.equal(up.nodeHost(b!), '127.0.0.2');
    up.close();
  });
});
