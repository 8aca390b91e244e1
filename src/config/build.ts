import path from 'node:path';
import { configError, isPlainObject, type KeyPath } from './config-error.js';
import { clientTimeouts } from './http-timeouts.js';
import { toListenAddress, toListenList, checkPortConflicts, type NamedListener } from './listen.js';
import { boolOr, deepFreeze, numberOr, objectAt, stringOr, stringsOr } from './read.js';
import type { ConfigDoc } from './defaults.js';
import type {
  AdminKey,
  ConfigProvider,
  DeploymentRole,
  EtcdConfig,
  GatewayConfig,
  ListenAddress,
} from './types.js';

export interface BuildOptions {
  /** Absolute path of the file the document came from, undefined for defaults only. */
  file: string | undefined;
  /** Absolute prefix that relative paths resolve against. */
  prefix: string;
  /** How messages name the file (`conf/config.yaml`). */
  fileLabel: string;
}

type Deployment = GatewayConfig['deployment'];

/** role → config_provider, as apisix/cli/file.lua derives it (the schema checked the enums). */
function configProvider(doc: ConfigDoc, role: DeploymentRole, fileLabel: string): ConfigProvider {
  const key = `role_${role}`;
  const fallback = role === 'traditional' ? 'embedded' : role === 'control_plane' ? 'etcd' : '';
  const provider = stringOr(objectAt(doc, 'deployment', key), 'config_provider', fallback);
  if (provider === '') {
    throw configError(fileLabel, ['deployment', key, 'config_provider'], 'is required');
  }
  return provider as ConfigProvider;
}

function adminKeys(list: unknown): AdminKey[] {
  if (!Array.isArray(list)) return [];
  return list.map((item: Record<string, unknown>) => ({
    name: stringOr(item, 'name', ''),
    key: stringOr(item, 'key', ''),
    role: stringOr(item, 'role', 'admin') === 'viewer' ? 'viewer' : 'admin',
  }));
}

function etcdConfig(doc: ConfigDoc): EtcdConfig {
  const etcd = objectAt(doc, 'deployment', 'etcd');
  const tls = objectAt(etcd, 'tls');
  const out: EtcdConfig = {
    host: stringsOr(etcd, 'host', ['http://127.0.0.1:2379']),
    prefix: stringOr(etcd, 'prefix', '/apisix'),
    timeout: numberOr(etcd, 'timeout', 30),
    watch_timeout: numberOr(etcd, 'watch_timeout', 50),
    startup_retry: numberOr(etcd, 'startup_retry', 2),
    tls: { verify: boolOr(tls, 'verify', true) },
  };
  if (typeof etcd['user'] === 'string') out.user = etcd['user'];
  if (typeof etcd['password'] === 'string') out.password = etcd['password'];
  for (const k of ['cert', 'key', 'sni'] as const) {
    if (typeof tls[k] === 'string' && out.tls) out.tls[k] = tls[k];
  }
  return out;
}

function deployment(doc: ConfigDoc, fileLabel: string): Deployment {
  const role = stringOr(objectAt(doc, 'deployment'), 'role', 'traditional') as DeploymentRole;
  const admin = objectAt(doc, 'deployment', 'admin');
  return {
    role,
    config_provider: configProvider(doc, role, fileLabel),
    admin: {
      admin_key_required: boolOr(admin, 'admin_key_required', true),
      admin_key: adminKeys(admin['admin_key']),
      enable_admin_cors: boolOr(admin, 'enable_admin_cors', true),
      allow_admin: stringsOr(admin, 'allow_admin', []),
      admin_listen: toListenAddress(admin['admin_listen'], { ip: '127.0.0.1', port: 9180 }),
      admin_api_version: 'v3',
    },
    etcd: etcdConfig(doc),
  };
}

/** Every listener the configuration opens, in APISIX's checking order. */
function listeners(config: Omit<GatewayConfig, 'raw'>, doc: ConfigDoc): NamedListener[] {
  const out: NamedListener[] = [];
  const { apisix } = config;
  if (apisix.enable_admin) {
    out.push({
      path: ['deployment', 'admin', 'admin_listen'],
      addr: config.deployment.admin.admin_listen,
    });
  }
  if (apisix.status) out.push({ path: ['apisix', 'status'], addr: apisix.status });
  if (apisix.enable_control) out.push({ path: ['apisix', 'control'], addr: apisix.control });
  const prometheus = objectAt(doc, 'plugin_attr', 'prometheus');
  if (boolOr(prometheus, 'enable_export_server', false)) {
    const addr = toListenAddress(prometheus['export_addr'], { ip: '127.0.0.1', port: 9091 });
    out.push({ path: ['plugin_attr', 'prometheus', 'export_addr'], addr });
  }
  if (config.deployment.role !== 'control_plane') {
    if (apisix.proxy_mode !== 'stream') {
      apisix.node_listen.forEach((addr, i) =>
        out.push({ path: ['apisix', 'node_listen', i], addr }),
      );
    }
    if (apisix.ssl.enable) {
      apisix.ssl.listen.forEach((addr, i) =>
        out.push({ path: ['apisix', 'ssl', 'listen', i], addr }),
      );
    }
  }
  return out;
}

function workerProcesses(doc: ConfigDoc): number | 'auto' {
  if (boolOr(objectAt(doc, 'apisix'), 'enable_dev_mode', false)) return 1;
  const v = objectAt(doc, 'nginx_config')['worker_processes'];
  return typeof v === 'number' ? v : 'auto';
}

/**
 * Turns a merged, schema-checked document into the typed GatewayConfig: listen entries
 * normalised, role-derived values computed, paths made absolute, ports checked, all frozen.
 */
export function buildConfig(doc: ConfigDoc, opts: BuildOptions): GatewayConfig {
  const apisix = objectAt(doc, 'apisix');
  const ssl = objectAt(apisix, 'ssl');
  const deploy = deployment(doc, opts.fileLabel);
  const gh = objectAt(doc, 'gatehouse');
  const http = objectAt(doc, 'nginx_config', 'http');
  const here = (p: string): string => path.resolve(opts.prefix, p);
  const status: ListenAddress | undefined =
    apisix['status'] === undefined
      ? undefined
      : toListenAddress(apisix['status'], { ip: '127.0.0.1', port: 7085 });
  const config: Omit<GatewayConfig, 'raw'> = {
    file: opts.file,
    prefix: opts.prefix,
    apisix: {
      node_listen: toListenList(apisix['node_listen'], { ip: '0.0.0.0', port: 9080 }),
      ssl: {
        enable: boolOr(ssl, 'enable', true),
        listen: toListenList(ssl['listen'], { ip: '0.0.0.0', port: 9443 }),
        ssl_protocols: stringOr(ssl, 'ssl_protocols', 'TLSv1.2 TLSv1.3'),
        ssl_ciphers: typeof ssl['ssl_ciphers'] === 'string' ? ssl['ssl_ciphers'] : undefined,
        ssl_session_tickets: boolOr(ssl, 'ssl_session_tickets', false),
        fallback_sni: typeof ssl['fallback_sni'] === 'string' ? ssl['fallback_sni'] : undefined,
      },
      enable_admin:
        deploy.role === 'control_plane'
          ? true
          : deploy.role === 'data_plane'
            ? false
            : boolOr(apisix, 'enable_admin', true),
      enable_ipv6: boolOr(apisix, 'enable_ipv6', true),
      enable_http2: boolOr(apisix, 'enable_http2', true),
      enable_control: boolOr(apisix, 'enable_control', true),
      control: toListenAddress(apisix['control'], { ip: '127.0.0.1', port: 9090 }),
      ...(status === undefined ? {} : { status }),
      proxy_mode: stringOr(apisix, 'proxy_mode', 'http') as GatewayConfig['apisix']['proxy_mode'],
      router: {
        http: stringOr(objectAt(apisix, 'router'), 'http', 'radixtree_host_uri'),
        ssl: stringOr(objectAt(apisix, 'router'), 'ssl', 'radixtree_sni'),
      },
      enable_server_tokens: boolOr(apisix, 'enable_server_tokens', true),
      data_encryption: {
        enable_encrypt_fields: boolOr(
          objectAt(apisix, 'data_encryption'),
          'enable_encrypt_fields',
          true,
        ),
        keyring: stringsOr(objectAt(apisix, 'data_encryption'), 'keyring', []),
      },
    },
    deployment: deploy,
    nginx_config: {
      worker_processes: workerProcesses(doc),
      http: {
        real_ip_header: stringOr(http, 'real_ip_header', 'X-Real-IP'),
        real_ip_from: stringsOr(http, 'real_ip_from', []),
        real_ip_recursive: stringOr(http, 'real_ip_recursive', 'off'),
        ...clientTimeouts(http, opts.fileLabel),
      },
    },
    plugins: stringsOr(doc, 'plugins', []),
    stream_plugins: stringsOr(doc, 'stream_plugins', []),
    plugin_attr: objectAt(doc, 'plugin_attr') as Record<string, Record<string, unknown>>,
    gatehouse: {
      data_dir: here(stringOr(gh, 'data_dir', 'data')),
      standalone_file: here(stringOr(gh, 'standalone_file', 'conf/apisix.yaml')),
      pid_file: here(stringOr(gh, 'pid_file', 'logs/gatehouse.pid')),
      admin_max_body_size: numberOr(gh, 'admin_max_body_size', 1572864),
      plugin_dir: typeof gh['plugin_dir'] === 'string' ? here(gh['plugin_dir']) : undefined,
    },
  };
  checkPortConflicts(listeners(config, doc), opts.fileLabel);
  refusePortLevelHttp2(apisix['node_listen'], ['apisix', 'node_listen'], opts.fileLabel);
  refusePortLevelHttp2(ssl['listen'], ['apisix', 'ssl', 'listen'], opts.fileLabel);
  return deepFreeze({ ...config, raw: doc });
}

/**
 * APISIX 3.9 dropped `enable_http2` on a listen entry for `apisix.enable_http2`, and refuses to
 * start when one still has it (apisix/cli/ops.lua): so does Gatehouse, rather than ignore it.
 */
function refusePortLevelHttp2(entries: unknown, path: KeyPath, fileLabel: string): void {
  if (!Array.isArray(entries)) return;
  entries.forEach((entry, i) => {
    if (isPlainObject(entry) && entry['enable_http2'] !== undefined) {
      throw configError(
        fileLabel,
        [...path, i, 'enable_http2'],
        'port level enable_http2 is deprecated since APISIX 3.9: use apisix.enable_http2',
      );
    }
  });
}
