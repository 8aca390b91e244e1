/**
 * A PluginContext over plain maps, for unit tests of one plugin's hooks without a gateway. The
 * real one (src/proxy) is exercised by the traffic tests; this one only keeps what was set.
 *
 * @example
 *   const ctx = fakeContext({ headers: { apikey: 'k' } });
 *   plugin.rewrite?.(conf, ctx);
 *   assert.equal(ctx.header('apikey'), undefined);
 */
import { QuotaClient } from '../../src/cluster/quota-client.js';
import { silentLogger } from '../../src/core/logger.js';
import type {
  Consumer,
  ConsumerDirectory,
  PluginContext,
  PluginEnv,
  ResponseView,
  SharedDict,
} from '../../src/plugin/types.js';

export interface FakeRequest {
  method?: string;
  /** Path and query, e.g. `/a?x=1`. */
  url?: string;
  headers?: Record<string, string>;
  clientIp?: string;
  vars?: Record<string, string>;
  consumers?: ConsumerDirectory;
  body?: string;
}

/** A SharedDict in one process's memory (the real one is shared by every worker). */
export function memoryDict(): SharedDict {
  const values = new Map<string, { v: unknown; exp: number }>();
  const live = (key: string): { v: unknown; exp: number } | undefined => {
    const e = values.get(key);
    if (e !== undefined && e.exp !== 0 && e.exp <= Date.now()) {
      values.delete(key);
      return undefined;
    }
    return e;
  };
  return {
    incr(key, delta, ttlMs) {
      const e = live(key);
      const exp = e?.exp ?? (ttlMs === undefined ? 0 : Date.now() + ttlMs);
      const value = ((e?.v as number | undefined) ?? 0) + delta;
      values.set(key, { v: value, exp });
      return { value, expiresAt: exp };
    },
    get: (key) => live(key)?.v as number | undefined,
    update<T>(key: string, fn: (old: T | undefined) => T | undefined, ttlMs?: number) {
      const next = fn(live(key)?.v as T | undefined);
      if (next === undefined) values.delete(key);
      else values.set(key, { v: next, exp: ttlMs === undefined ? 0 : Date.now() + ttlMs });
      return next;
    },
    delete: (key) => void values.delete(key),
  };
}

export function fakeEnv(metadata: Record<string, Record<string, unknown>> = {}): PluginEnv {
  const dicts = new Map<string, SharedDict>();
  const localQuotas = new QuotaClient(undefined);
  return {
    logger: silentLogger(),
    shared(name) {
      let d = dicts.get(name);
      if (d === undefined) dicts.set(name, (d = memoryDict()));
      return d;
    },
    quotas: (name) => localQuotas.namespace(name),
    metadata: (name) => metadata[name],
    attr: () => undefined,
    nodeId: 'test-node',
    version: '0.0.0-test',
  };
}

const NO_CONSUMERS: ConsumerDirectory = { find: () => undefined, byName: () => undefined };

export type FakeContext = PluginContext & {
  /** Response headers set so far (lower-case names). */
  readonly responseHeaders: Map<string, string[]>;
  /** The body given to replaceBody, if any. */
  replacedBody: string | Buffer | undefined;
  credentialId: string | undefined;
};

export function fakeContext(req: FakeRequest = {}, env: PluginEnv = fakeEnv()): FakeContext {
  const headers = new Map<string, string>(
    Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const uri = q < 0 ? url : url.slice(0, q);
  const args = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const vars = new Map<string, string | undefined | (() => string | undefined)>(
    Object.entries(req.vars ?? {}),
  );
  let clientIp = req.clientIp ?? '127.0.0.1';
  let upstreamUri: string | undefined;
  let body = Buffer.from(req.body ?? '');
  const responseHeaders = new Map<string, string[]>();
  const response: ResponseView = {
    status: 200,
    header: (name) => responseHeaders.get(name.toLowerCase())?.join(', '),
    setHeader(name, value) {
      if (value === undefined) responseHeaders.delete(name.toLowerCase());
      else
        responseHeaders.set(name.toLowerCase(), typeof value === 'string' ? [value] : [...value]);
    },
    addHeader(name, value) {
      const list = responseHeaders.get(name.toLowerCase()) ?? [];
      list.push(value);
      responseHeaders.set(name.toLowerCase(), list);
    },
    headers: () =>
      [...responseHeaders].flatMap(([k, vs]) => vs.map((v) => [k, v] as [string, string])),
    replaceBody(b) {
      ctx.replacedBody = b;
    },
    bytesSent: 0,
  };
  const ctx: FakeContext = {
    numberVar(name) {
      const text = ctx.var(name);
      const n = Number(text);
      return text === undefined || !Number.isFinite(n) ? undefined : n;
    },
    var(name) {
      if (vars.has(name)) {
        const v = vars.get(name);
        return typeof v === 'function' ? v() : v;
      }
      if (name === 'uri') return uri;
      if (name === 'request_uri') return url;
      if (name === 'remote_addr') return clientIp;
      if (name === 'request_method') return req.method ?? 'GET';
      if (name === 'host') return (headers.get('host') ?? '').replace(/:\d+$/, '');
      if (name === 'args' || name === 'query_string') return q < 0 ? undefined : args.toString();
      if (name.startsWith('http_')) return headers.get(name.slice(5).replaceAll('_', '-'));
      if (name.startsWith('arg_')) return args.get(name.slice(4)) ?? undefined;
      if (name === 'consumer_name') return ctx.consumer?.username;
      return undefined;
    },
    setVar(name, value) {
      if (value === undefined) vars.delete(name);
      else vars.set(name, value);
    },
    method: req.method ?? 'GET',
    uri,
    get clientIp() {
      return clientIp;
    },
    setClientIp(ip) {
      clientIp = ip;
    },
    routeId: '1',
    serviceId: undefined,
    header: (name) => headers.get(name.toLowerCase()),
    setHeader(name, value) {
      if (value === undefined) headers.delete(name.toLowerCase());
      else headers.set(name.toLowerCase(), value);
    },
    headers: () => [...headers],
    arg: (name) => args.get(name) ?? undefined,
    setArg(name, value) {
      if (value === undefined) args.delete(name);
      else args.set(name, value);
    },
    get upstreamUri() {
      if (upstreamUri !== undefined) return upstreamUri;
      const s = args.toString();
      return s === '' ? uri : `${uri}?${s}`;
    },
    set upstreamUri(v: string) {
      upstreamUri = v;
    },
    upstreamMethod: req.method ?? 'GET',
    readBody: () => Promise.resolve(body),
    setBody(b) {
      body = Buffer.from(b);
    },
    consumer: undefined as Consumer | undefined,
    credentialId: undefined,
    attachConsumer(consumer, credentialId) {
      (ctx as { consumer: Consumer | undefined }).consumer = consumer;
      ctx.credentialId = credentialId;
    },
    consumers: req.consumers ?? NO_CONSUMERS,
    data: new Map(),
    response,
    startTime: Date.now(),
    upstreamAddr: undefined,
    upstreamStatus: undefined,
    upstreamLatencyMs: undefined,
    env,
    responseHeaders,
    replacedBody: undefined,
  };
  return ctx;
}
