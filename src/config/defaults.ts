import { DEFAULT_PLUGINS, DEFAULT_STREAM_PLUGINS } from './default-plugins.js';

/** A config document as parsed from YAML: plain objects, arrays and scalars. */
export type ConfigDoc = Record<string, unknown>;

/**
 * The built-in defaults, as data: APISIX 3.x's (apisix/cli/config.lua, spec §8.2) for the keys
 * Gatehouse reads, with Gatehouse's deliberate differences:
 * - `role_traditional.config_provider` is `embedded` (one node needs no etcd);
 * - the Admin API listens on loopback and only loopback may call it (secure by default);
 * - the `gatehouse:` section (paths relative to the prefix).
 * A fresh copy each call: the merge writes into it.
 */
export function builtinDefaults(): ConfigDoc {
  return {
    apisix: {
      node_listen: [9080],
      enable_admin: true,
      enable_dev_mode: false,
      enable_ipv6: true,
      enable_http2: true,
      enable_server_tokens: true,
      delete_uri_tail_slash: false,
      normalize_uri_like_servlet: false,
      match_uri_encoded_slash: false,
      router: { http: 'radixtree_host_uri', ssl: 'radixtree_sni' },
      proxy_mode: 'http',
      resolver_timeout: 5,
      ssl: {
        enable: true,
        listen: [{ port: 9443, enable_http3: false }],
        ssl_protocols: 'TLSv1.2 TLSv1.3',
        ssl_session_tickets: false,
      },
      enable_control: true,
      control: { ip: '127.0.0.1', port: 9090 },
      worker_startup_time_threshold: 60,
      data_encryption: {
        enable_encrypt_fields: true,
        keyring: ['qeddd145sfvddff3', 'edd1c9f0985e76a2'],
      },
    },
    nginx_config: {
      error_log_level: 'warn',
      worker_processes: 'auto',
      worker_shutdown_timeout: '240s',
      http: {
        enable_access_log: true,
        keepalive_timeout: '60s',
        client_header_timeout: '60s',
        client_body_timeout: '60s',
        client_max_body_size: 0,
        send_timeout: '10s',
        real_ip_header: 'X-Real-IP',
        real_ip_recursive: 'off',
        real_ip_from: ['127.0.0.1', 'unix:'],
        upstream: { keepalive: 320, keepalive_requests: 1000, keepalive_timeout: '60s' },
      },
    },
    graphql: { max_size: 1048576 },
    plugins: [...DEFAULT_PLUGINS],
    stream_plugins: [...DEFAULT_STREAM_PLUGINS],
    plugin_attr: {
      'log-rotate': {
        timeout: 10000,
        interval: 3600,
        max_kept: 168,
        max_size: -1,
        enable_compression: false,
      },
      prometheus: {
        export_uri: '/apisix/prometheus/metrics',
        metric_prefix: 'apisix_',
        enable_export_server: true,
        export_addr: { ip: '127.0.0.1', port: 9091 },
        refresh_interval: 15,
      },
    },
    deployment: {
      role: 'traditional',
      role_traditional: { config_provider: 'embedded' },
      admin: {
        admin_key_required: true,
        admin_key: [{ name: 'admin', key: '', role: 'admin' }],
        enable_admin_cors: true,
        enable_admin_ui: true,
        allow_admin: ['127.0.0.0/24', '::1/128'],
        admin_listen: { ip: '127.0.0.1', port: 9180 },
        admin_api_version: 'v3',
      },
      etcd: {
        host: ['http://127.0.0.1:2379'],
        prefix: '/apisix',
        timeout: 30,
        watch_timeout: 50,
        startup_retry: 2,
        tls: { verify: true },
      },
    },
    gatehouse: {
      data_dir: 'data',
      pid_file: 'logs/gatehouse.pid',
      standalone_file: 'conf/apisix.yaml',
      admin_max_body_size: 1572864,
    },
  };
}

/**
 * Top-level keys a config.yaml may have: the defaults' plus APISIX's optional sections that have
 * no default. Anything else is a typo or a pre-3.0 layout and is rejected.
 */
export const KNOWN_TOP_LEVEL_KEYS: ReadonlySet<string> = new Set([
  ...Object.keys(builtinDefaults()),
  'discovery',
  'ext-plugin',
  'wasm',
  'xrpc',
]);
