/**
 * The typed, frozen configuration every part of Gatehouse reads: APISIX's config.yaml keys
 * (defaults of APISIX 3.x merged with the user's file) plus the `gatehouse:` section.
 * Only the keys Gatehouse reads are typed here; the rest is kept as loaded (`raw`).
 */

export interface ListenAddress {
  ip: string;
  port: number;
}

export interface AdminKey {
  name: string;
  key: string;
  role: 'admin' | 'viewer';
}

export type ConfigProvider = 'embedded' | 'etcd' | 'yaml';
export type DeploymentRole = 'traditional' | 'data_plane' | 'control_plane';

export interface EtcdConfig {
  host: string[];
  prefix: string;
  timeout: number;
  watch_timeout: number;
  startup_retry: number;
  user?: string;
  password?: string;
  tls?: { cert?: string; key?: string; verify: boolean; sni?: string };
}

/**
 * `nginx_config.http`'s timeouts for the client side, in milliseconds (APISIX defaults: 60 s,
 * 60 s, 60 s, 10 s). A 0 means "none", except for keepalive_timeout where, as in nginx, it turns
 * keep-alive off.
 */
export interface ClientTimeouts {
  /** How long an idle keep-alive connection is kept; 0 = every response closes its connection. */
  keepalive_timeout: number;
  /** keepalive_timeout's second parameter: `Keep-Alive: timeout=N` is sent only when it is set. */
  keepalive_header_timeout: number | undefined;
  /** Time to receive a whole request head (and, on a new connection, its first byte). */
  client_header_timeout: number;
  /** Time between two successive reads of a request body. */
  client_body_timeout: number;
  /** Time between two successive writes to a client that does not read. */
  send_timeout: number;
}

/** `apisix.ssl`: the HTTPS listeners and what every handshake on them allows (spec §6). */
export interface SslConfig {
  enable: boolean;
  listen: ListenAddress[];
  /** Space-separated, as nginx's `ssl_protocols`: `TLSv1.2 TLSv1.3`. */
  ssl_protocols: string;
  /** OpenSSL cipher list; node's default when unset. */
  ssl_ciphers: string | undefined;
  ssl_session_tickets: boolean;
  /** The SNI assumed for a client that sends none. */
  fallback_sni: string | undefined;
}

export interface GatewayConfig {
  /** Absolute path of the config file that was loaded (undefined when only defaults are used). */
  readonly file: string | undefined;
  /** Absolute directory relative paths resolve against (APISIX's prefix: the parent of conf/). */
  readonly prefix: string;
  readonly apisix: {
    node_listen: ListenAddress[];
    ssl: SslConfig;
    /** Derived from the role: control_plane forces true, data_plane false (spec §8.1). */
    enable_admin: boolean;
    /** Whether wildcard listeners should also cover IPv6 (APISIX adds `[::]` entries). */
    enable_ipv6: boolean;
    /** HTTP/2 on the SSL listeners (ALPN `h2`); APISIX's default is on. */
    enable_http2: boolean;
    enable_control: boolean;
    control: ListenAddress;
    status?: ListenAddress;
    proxy_mode: 'http' | 'stream' | 'http&stream';
    router: { http: string; ssl: string };
    enable_server_tokens: boolean;
    data_encryption: { enable_encrypt_fields: boolean; keyring: string[] };
  };
  readonly deployment: {
    role: DeploymentRole;
    /** Derived from role_traditional / role_data_plane / role_control_plane (spec §8.1). */
    config_provider: ConfigProvider;
    admin: {
      admin_key_required: boolean;
      admin_key: AdminKey[];
      enable_admin_cors: boolean;
      allow_admin: string[];
      admin_listen: ListenAddress;
      admin_api_version: 'v3';
    };
    etcd: EtcdConfig;
  };
  readonly nginx_config: {
    worker_processes: number | 'auto';
    http: ClientTimeouts & {
      real_ip_header: string;
      real_ip_from: string[];
      real_ip_recursive: string;
    };
  };
  /** Enabled HTTP plugin names, as config.yaml's `plugins`. */
  readonly plugins: string[];
  readonly stream_plugins: string[];
  readonly plugin_attr: Record<string, Record<string, unknown>>;
  readonly gatehouse: {
    /** Absolute directory of the embedded store's SQLite file. */
    data_dir: string;
    /** Absolute path of the standalone file (`conf/apisix.yaml`). */
    standalone_file: string;
    /** Absolute path of the pid file. */
    pid_file: string;
    /** Largest Admin API request body, bytes (APISIX: 1.5 MiB). */
    admin_max_body_size: number;
    /** Absolute directory of custom plugins (one .js/.mjs file each), if configured. */
    plugin_dir: string | undefined;
  };
  /** The whole merged document, as loaded, for keys not typed above. */
  readonly raw: Readonly<Record<string, unknown>>;
}
