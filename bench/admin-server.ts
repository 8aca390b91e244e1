/**
 * The Admin API server alone, in the bench process, over a given store: what the Admin write
 * benchmarks measure without a gateway around it (no workers, no feed to them).
 */
import { createAdminServer, type AdminServer } from '../src/admin/server.js';
import { silentLogger } from '../src/core/logger.js';
import { PluginRegistry } from '../src/plugin/registry.js';
import type { ConfigStore } from '../src/store/types.js';

/** An Admin API on a free loopback port, one admin key, no plugins. Call listen(). */
export function benchAdminServer(store: ConfigStore, key: string): AdminServer {
  return createAdminServer({
    admin: {
      admin_key_required: true,
      admin_key: [{ name: 'admin', key, role: 'admin' }],
      enable_admin_cors: true,
      allow_admin: ['127.0.0.0/24'],
      admin_listen: { ip: '127.0.0.1', port: 0 },
      admin_api_version: 'v3',
    },
    etcdPrefix: '/apisix',
    proxyMode: 'http',
    dataEncryption: { enable_encrypt_fields: true, keyring: [] },
    maxBodySize: 1572864,
    store,
    plugins: () => new PluginRegistry([], []),
    reloadPlugins: () => Promise.resolve(),
    version: 'bench',
    logger: silentLogger(),
  });
}
