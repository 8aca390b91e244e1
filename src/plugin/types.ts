/**
 * The plugin contract (DESIGN.md "Plugins", STYLE.md habit 1, spec-plugins §1): one declarative
 * object per plugin file under src/plugins/. The runtime (src/plugin/chain.ts, runner.ts) merges
 * the confs of a route, sorts them, compiles each conf once per config version with `prepare`,
 * and calls the phase hooks a plugin defines.
 */
import type { Logger } from '../core/logger.js';

export type JsonSchema = Record<string, unknown>;
export type Awaitable<T> = T | Promise<T>;

/** The phase hooks of a plugin. */
export type PhaseHook =
  'rewrite' | 'access' | 'beforeProxy' | 'headerFilter' | 'bodyFilter' | 'log';

/** Which schema a conf is checked against (APISIX `schema_type`). */
export type SchemaKind = 'route' | 'consumer' | 'metadata';

/**
 * A response a rewrite/access/beforeProxy hook returns to end the request (spec §1.8). A body
 * that is an object or array goes out as JSON followed by "\n" with APISIX's
 * `Content-Type: text/plain; charset=utf-8`; without a body the nginx error page of the status
 * is sent. `_meta.error_response` replaces the body of a status >= 400.
 */
export interface PluginResponse {
  readonly status: number;
  readonly body?: string | Buffer | Readonly<Record<string, unknown>> | readonly unknown[];
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
}

/** A response ends the request; undefined lets it go on. */
export type PhaseResult = PluginResponse | undefined | void;

/** A consumer as the data plane holds it (spec §1.9), schema defaults applied, decrypted. */
export interface Consumer {
  readonly username: string;
  readonly groupId: string | undefined;
  readonly labels: Readonly<Record<string, string>> | undefined;
  /** The consumer's own plugins (auth entries included), decrypted. */
  readonly plugins: Readonly<Record<string, unknown>>;
  /** Store key and modRevision: what caches of merged chains key on. */
  readonly key: string;
  readonly modRevision: number;
}

/** What an auth plugin finds for a credential value. */
export interface ConsumerMatch {
  readonly consumer: Consumer;
  /** The consumer-side conf of the plugin (consumer schema defaults applied, decrypted). */
  readonly conf: Readonly<Record<string, unknown>>;
  /** The credential id when the value came from `/consumers/<name>/credentials/<id>`. */
  readonly credentialId: string | undefined;
}

/** The consumers of the current config version, indexed for auth plugins (spec §1.9). */
export interface ConsumerDirectory {
  /**
   * The consumer whose `plugin` conf (on the consumer or one of its credentials) has the
   * plugin's `consumerKey` attribute equal to `value` (key-auth `key`, basic-auth `username`,
   * jwt-auth `key`). At run time the last loaded wins, as APISIX.
   */
  find(plugin: string, value: string): ConsumerMatch | undefined;
  /** By username (anonymous_consumer, consumer-restriction). */
  byName(username: string): Consumer | undefined;
}

/**
 * Node-wide counters shared by every worker of a node (APISIX `lua_shared_dict`): exact across
 * processes, synchronous. Keys are namespaced per dict name by the runtime.
 */
export interface SharedDict {
  /**
   * Adds `delta` to the number at `key` and returns the new value with its expiry. A missing or
   * expired key starts from 0 and, when `ttlMs` is given, expires `ttlMs` from now (the expiry
   * of an existing key is kept: a fixed window).
   */
  incr(key: string, delta: number, ttlMs?: number): { value: number; expiresAt: number };
  /** The number at `key`, or undefined when missing or expired. */
  get(key: string): number | undefined;
  /**
   * Atomic read-modify-write of a JSON value: `fn` gets the current value (undefined when
   * missing or expired) and returns the new one (undefined deletes). Returns what `fn` returned.
   */
  update<T>(key: string, fn: (old: T | undefined) => T | undefined, ttlMs?: number): T | undefined;
  delete(key: string): void;
}

/** What one `take` decided. */
export interface QuotaTake {
  readonly admitted: boolean;
  /**
   * Units left in the window after this take as far as this worker can tell (0 once refused):
   * exact with one worker; with several it leaves out what the others hold in advance.
   */
  readonly remaining: number;
  /** When the window ends, ms since the epoch. */
  readonly expiresAt: number;
  /** This take opened the window. */
  readonly first: boolean;
}

/**
 * Node-wide quotas in fixed windows, kept by the primary process and exact across all workers:
 * a window admits at most `limit` units, and refuses none while units are left. A window opens
 * at a key's first take and lasts `windowMs`. Synchronous while the worker holds units of the
 * window in advance (a lease, taken while the window has plenty left); otherwise one round trip
 * to the primary, batched per event-loop turn.
 */
export interface SharedQuotas {
  /**
   * Takes `cost` units of the window of `space` + `key`. The two parts are given apart so that a
   * take builds no string per request: `space` is long-lived (a conf's counter prefix), `key`
   * what varies (the client address...). `now`: the caller's reading of `Date.now()`, when it
   * has one (a clock read is not free).
   */
  take(
    space: string,
    key: string,
    cost: number,
    limit: number,
    windowMs: number,
    now?: number,
  ): QuotaTake | Promise<QuotaTake>;
}

/** What a plugin gets at init and prepare time: node-wide services of the runtime. */
export interface PluginEnv {
  readonly logger: Logger;
  /** A node-wide shared dict (created on first use). */
  shared(name: string): SharedDict;
  /** Node-wide quotas held by the primary, namespaced by `name`. */
  quotas(name: string): SharedQuotas;
  /** The plugin_metadata value of a plugin (defaults applied), or undefined. Current version. */
  metadata(plugin: string): Readonly<Record<string, unknown>> | undefined;
  /** `plugin_attr.<name>` of config.yaml, or undefined. */
  attr(plugin: string): Readonly<Record<string, unknown>> | undefined;
  /** The node's id (APISIX `apisix.id`, else hostname), for metrics and request ids. */
  readonly nodeId: string;
  /** Gatehouse version, e.g. '0.1.0'. */
  readonly version: string;
}

/** Where a conf lives, for plugins whose state keys off the owning object (limit-*). */
export interface ConfOwner {
  /** The store key of the owner: `/apisix/routes/1`, `/apisix/consumers/jack`... */
  readonly key: string;
  /** The owner's modRevision: a new version of the owner is a new counter space. */
  readonly version: number;
}

/** The response as header_filter / body_filter / log see it. */
export interface ResponseView {
  /** The status to be sent (settable in headerFilter: response-rewrite `status_code`). */
  status: number;
  /** A response header (name case-insensitive), joined with ", " when repeated. */
  header(name: string): string | undefined;
  /** Sets (replaces) a header; `undefined` removes it. */
  setHeader(name: string, value: string | readonly string[] | undefined): void;
  /** Adds one more value of a header. */
  addHeader(name: string, value: string): void;
  /** Every header name/value pair, in order (lower-case names not guaranteed). */
  headers(): Array<[string, string]>;
  /**
   * In headerFilter: replaces the whole body (the upstream's body is discarded,
   * Content-Length recomputed, Transfer-Encoding/Content-Encoding left to the caller).
   */
  replaceBody(body: string | Buffer): void;
  /** Bytes of body sent to the client so far (for log). */
  readonly bytesSent: number;
}

/**
 * One request, as plugins see it. Edits to the request (headers, args, uri, method, host)
 * change what is sent upstream and are visible to later plugins.
 */
export interface PluginContext {
  /**
   * nginx/APISIX variables (spec §0.2): uri, request_uri, host, remote_addr, remote_port,
   * server_addr, server_port, scheme, request_method, args, query_string, http_<h>, arg_<a>,
   * cookie_<c>, uri_param_<p>, route_id, route_name, service_id, service_name, consumer_name,
   * consumer_group_id, request_id... Reads see earlier plugins' edits.
   */
  var(name: string): string | undefined;
  /**
   * A variable as a finite number (`request_length`, `bytes_sent`...), else undefined: what
   * `Number(var(name))` gives, without the runtime printing the counts it holds as numbers.
   */
  numberVar(name: string): number | undefined;
  /**
   * Writable variables that change the request (upstream_uri, upstream_host, ...) or carry data.
   * A function is a value computed only if somebody reads the variable (once per read).
   */
  setVar(name: string, value: string | undefined | (() => string | undefined)): void;
  /** Upper-case method as received. */
  readonly method: string;
  /** `$uri`: the decoded, normalised path. */
  readonly uri: string;
  /** The client address (after real_ip_header / the real-ip plugin). */
  readonly clientIp: string;
  /** The real-ip plugin changes the client address (and `remote_addr`). */
  setClientIp(ip: string, port?: number): void;

  readonly routeId: string | undefined;
  readonly serviceId: string | undefined;

  /** A request header as it will be sent upstream (name case-insensitive). */
  header(name: string): string | undefined;
  /** Sets (replaces) a request header sent upstream; `undefined` removes it. */
  setHeader(name: string, value: string | undefined): void;
  /** Every request header name/value pair as it will be sent upstream. */
  headers(): Array<[string, string]>;
  /** A query argument, as it will be sent upstream. */
  arg(name: string): string | undefined;
  /** Sets or (undefined) removes a query argument sent upstream. */
  setArg(name: string, value: string | undefined): void;
  /**
   * The path + query sent upstream (APISIX `upstream_uri`); starts as the request's path and
   * query. Setting it replaces both.
   */
  upstreamUri: string;
  /** The method sent upstream (proxy-rewrite `method`). */
  upstreamMethod: string;
  /** Reads (buffers) the whole request body; it is still sent upstream. */
  readBody(): Promise<Buffer>;
  /** Replaces the request body sent upstream. */
  setBody(body: string | Buffer): void;

  /** Set by an auth plugin (attachConsumer). */
  readonly consumer: Consumer | undefined;
  /**
   * Identifies the consumer (spec §1.9): sets `consumer_name`, adds X-Consumer-Username,
   * X-Credential-Identifier, X-Consumer-Custom-ID upstream; its and its group's plugins are
   * merged in after the rewrite phase.
   */
  attachConsumer(consumer: Consumer, credentialId?: string): void;
  readonly consumers: ConsumerDirectory;

  /** Per-request values between a plugin's phases (and between plugins: `jwt_auth_payload`). */
  readonly data: Map<string, unknown>;
  /** The response (header_filter, body_filter, log). */
  readonly response: ResponseView;
  /** Request start, ms since epoch. */
  readonly startTime: number;
  /** Upstream address `ip:port` of the last try, when proxied (log). */
  readonly upstreamAddr: string | undefined;
  /** Upstream status of the last try, when proxied (log). */
  readonly upstreamStatus: number | undefined;
  /** ms from sending upstream to the response headers, when proxied (log). */
  readonly upstreamLatencyMs: number | undefined;
  readonly env: PluginEnv;
}

/**
 * One plugin. `C` is the conf as validated (schema defaults applied); `P` what `prepare` makes
 * of it once per config version (compiled regexes, functions, counter namespaces); hooks get P.
 * Method syntax keeps definitions of different confs assignable to `PluginDefinition`.
 */
export interface PluginDefinition<C = unknown, P = C> {
  /** = file name = config key, as in APISIX. */
  readonly name: string;
  readonly version: number;
  /** Unique across enabled plugins; higher runs first. */
  readonly priority: number;
  /** 'auth' for authentication plugins (the only kind a credential may carry). */
  readonly type?: 'auth';
  /** 'global' for plugins that may only be configured in global rules / metadata. */
  readonly scope?: 'global';
  /** 'prefer_route': skipped in global rules when the route enables the same plugin. */
  readonly runPolicy?: 'prefer_route';
  /** The configuration schema for routes, services, plugin_configs, global rules, groups. */
  readonly schema: JsonSchema;
  /** The schema a consumer's / credential's configuration of this plugin must match. */
  readonly consumerSchema?: JsonSchema;
  /** The schema of this plugin's plugin_metadata. */
  readonly metadataSchema?: JsonSchema;
  /** Dotted paths of fields encrypted at rest (APISIX `encrypt_fields`). */
  readonly encryptFields?: readonly string[];
  /** Auth plugins: the consumer-side attribute that identifies a consumer (key-auth `key`). */
  readonly consumerKey?: string;

  /** Checks beyond the schema (APISIX `check_schema` extras), on a conf with defaults. */
  check?(conf: C, kind: SchemaKind): string | undefined;
  /** Compiles a conf once per config version of its owner. Default: the conf itself. */
  prepare?(conf: C, env: PluginEnv, owner: ConfOwner): P;
  /**
   * Whether a prepared conf really uses a hook the definition has (serverless defines every
   * phase but runs in one): a conf that does not is left out of that phase's list, so e.g. a
   * response keeps its Content-Length when no body filter will run. Default: every hook.
   */
  uses?(conf: P, hook: PhaseHook): boolean;
  /** After (re)load, once per worker. */
  init?(env: PluginEnv): void;
  /** Before unload (plugin reload, worker exit). */
  destroy?(): void;

  rewrite?(conf: P, ctx: PluginContext): Awaitable<PhaseResult>;
  access?(conf: P, ctx: PluginContext): Awaitable<PhaseResult>;
  beforeProxy?(conf: P, ctx: PluginContext): Awaitable<PhaseResult>;
  /** Runs for every request that reached the route's chain, also when a phase ended it. */
  headerFilter?(conf: P, ctx: PluginContext): void;
  /**
   * Sees every response body chunk (`last` with the final, possibly empty, chunk) and returns
   * what to send instead (return an empty Buffer to hold data back until `last`).
   */
  bodyFilter?(conf: P, ctx: PluginContext, chunk: Buffer, last: boolean): Buffer;
  log?(conf: P, ctx: PluginContext): void;
}
