import type { IncomingMessage } from 'node:http';
import type { RequestChains, RunContext } from '../plugin/runner.js';
import type { Consumer, ConsumerDirectory, PluginEnv } from '../plugin/types.js';
import type { ResolvedRoute } from '../snapshot/types.js';
import type { RuntimeUpstream } from '../upstream/runtime.js';
import type { RequestFacts } from './request-vars.js';
import { BodyReadTimeout } from './body-read-timeout.js';
import { sendContinue } from './expect-continue.js';
import { FlatResponse } from './response-view.js';

/** The request-side edits plugins made, applied when the upstream request is built. */
export interface RequestEdits {
  /** Lower-case header name → value (undefined = removed). */
  readonly headers: ReadonlyMap<string, string | undefined> | undefined;
  /** Path and query to send, when changed. */
  readonly path: string | undefined;
  readonly method: string | undefined;
  /** The Host to send instead of pass_host's choice. */
  readonly host: string | undefined;
  /** A body read or replaced by a plugin (sent instead of streaming the request). */
  readonly body: Buffer | undefined;
}

/** nginx's limits on a request body, which a plugin's readBody keeps as the proxy does. */
export interface BodyRules {
  /** `client_max_body_size` in bytes; 0 = unlimited. */
  readonly maxBody: number;
  /** `client_body_timeout` in ms, between two reads; 0 = none. */
  readonly bodyTimeoutMs: number;
}

/** No limits (tools and benchmarks that build a request outside the proxy). */
export const NO_BODY_RULES: BodyRules = { maxBody: 0, bodyTimeoutMs: 0 };

/**
 * One request as plugins see it (PluginContext) and as expressions read it (RequestVars):
 * built only for requests whose route or global rules have plugins. Everything a plugin changes
 * is kept as edits on top of the untouched IncomingMessage, applied once when the upstream
 * request is built.
 */
export class PluginRequest implements RunContext {
  readonly req: IncomingMessage;
  readonly facts: RequestFacts;
  readonly route: ResolvedRoute<RuntimeUpstream> | undefined;
  readonly chains: RequestChains;
  readonly env: PluginEnv;
  readonly consumers: ConsumerDirectory;
  readonly method: string;
  readonly uri: string;
  readonly startTime = Date.now();
  readonly response = new FlatResponse();
  consumer: Consumer | undefined = undefined;
  /** What readBody keeps: client_max_body_size and client_body_timeout. */
  readonly bodyRules: BodyRules;
  /** readBody waited longer than client_body_timeout for a chunk: the connection was closed. */
  bodyTimedOut = false;
  /** readBody went past client_max_body_size: the request is answered 413. */
  bodyTooLarge = false;
  upstreamAddr: string | undefined = undefined;
  upstreamStatus: number | undefined = undefined;
  upstreamLatencyMs: number | undefined = undefined;
  #clientIp: string;
  #headers: Map<string, string | undefined> | undefined;
  #args: URLSearchParams | undefined;
  #argsChanged = false;
  #path: string | undefined;
  #method: string | undefined;
  #host: string | undefined;
  #body: Buffer | undefined;
  #reading: Promise<Buffer> | undefined;
  #vars: Map<string, string | undefined | (() => string | undefined)> | undefined;
  #data: Map<string, unknown> | undefined;

  constructor(
    req: IncomingMessage,
    facts: RequestFacts,
    route: ResolvedRoute<RuntimeUpstream> | undefined,
    chains: RequestChains,
    env: PluginEnv,
    consumers: ConsumerDirectory,
    bodyRules: BodyRules,
  ) {
    this.req = req;
    this.facts = facts;
    this.route = route;
    this.chains = chains;
    this.env = env;
    this.consumers = consumers;
    this.bodyRules = bodyRules;
    this.method = facts.method;
    this.uri = facts.path;
    this.#clientIp = facts.remoteAddr;
  }

  get routeId(): string | undefined {
    return this.route?.id;
  }

  get serviceId(): string | undefined {
    return this.route?.serviceId;
  }

  get clientIp(): string {
    return this.#clientIp;
  }

  setClientIp(ip: string, port?: number): void {
    this.#clientIp = ip;
    if (port !== undefined) (this.#vars ??= new Map()).set('remote_port', String(port));
  }

  get data(): Map<string, unknown> {
    return (this.#data ??= new Map());
  }

  // ---- variables ----

  get(name: string): string | undefined {
    return this.var(name);
  }

  var(name: string): string | undefined {
    const own = this.#vars;
    if (own !== undefined && own.has(name)) {
      const v = own.get(name);
      return typeof v === 'function' ? v() : v;
    }
    switch (name) {
      case 'remote_addr':
        return this.#clientIp;
      case 'route_id':
        return this.route?.id;
      case 'route_name':
        return this.route?.name;
      case 'service_id':
        return this.route?.serviceId;
      case 'service_name':
        return this.route?.serviceName;
      case 'matched_uri':
        return this.route?.matchedUri;
      case 'matched_host':
        return this.route?.matchedHost;
      case 'consumer_name':
        return this.consumer?.username;
      case 'consumer_group_id':
        return this.consumer?.groupId;
      case 'upstream_uri':
        return this.upstreamUri;
      case 'request_method':
        return this.method;
      case 'status':
        return this.response.status === 0 ? undefined : String(this.response.status);
      case 'upstream_status':
        return this.upstreamStatus === undefined ? undefined : String(this.upstreamStatus);
      case 'upstream_addr':
        return this.upstreamAddr;
      case 'request_length':
        return String(this.#requestLength());
      case 'bytes_sent':
        return this.response.status === 0 ? undefined : String(this.response.bytesSentTotal());
    }
    if (name.startsWith('http_')) return this.header(name.slice(5).replaceAll('_', '-'));
    if (this.#argsChanged) {
      if (name.startsWith('arg_')) return this.#args!.get(name.slice(4)) ?? undefined;
      if (name === 'args' || name === 'query_string') return this.#args!.toString();
      if (name === 'is_args') return this.#args!.size > 0 ? '?' : '';
    }
    if (name === 'is_args') return (this.req.url ?? '').includes('?') ? '?' : '';
    if (name.startsWith('uri_param_')) return this.facts.params?.[name.slice(10)];
    return this.facts.get(name);
  }

  numberVar(name: string): number | undefined {
    if (this.#vars === undefined || !this.#vars.has(name)) {
      // The counts the runtime holds as numbers; a plugin's setVar of the name still wins.
      if (name === 'request_length') return this.#requestLength();
      if (name === 'bytes_sent') {
        return this.response.status === 0 ? undefined : this.response.bytesSentTotal();
      }
    }
    return finiteNumber(this.var(name));
  }

  /**
   * `$request_length` as nginx counts it: request line, headers (as received, each `name: value`
   * line) and the declared body.
   */
  #requestLength(): number {
    const req = this.req;
    const raw = req.rawHeaders;
    // "GET /path HTTP/1.1\r\n", then the blank line after the headers.
    let n = this.method.length + (req.url ?? '').length + req.httpVersion.length + 11;
    for (let i = 0; i < raw.length; i++) n += raw[i]!.length + 2;
    const body = Number(req.headers['content-length']);
    return Number.isFinite(body) ? n + body : n;
  }

  setVar(name: string, given: string | undefined | (() => string | undefined)): void {
    if (name === 'upstream_uri' || name === 'upstream_host') {
      // Variables that change the request take their value now.
      const value = typeof given === 'function' ? given() : given;
      if (name === 'upstream_host') this.#host = value;
      else if (value !== undefined) {
        this.upstreamUri = value;
        return;
      }
      (this.#vars ??= new Map()).set(name, value);
      return;
    }
    (this.#vars ??= new Map()).set(name, given);
  }

  // ---- request headers ----

  header(name: string): string | undefined {
    const lower = name.toLowerCase();
    const edits = this.#headers;
    if (edits !== undefined && edits.has(lower)) return edits.get(lower);
    const v = this.req.headers[lower];
    return Array.isArray(v) ? v.join(', ') : v;
  }

  setHeader(name: string, value: string | undefined): void {
    const lower = name.toLowerCase();
    if (lower === 'host') {
      this.#host = value;
      return;
    }
    this.#setLower(lower, value);
  }

  #setLower(lower: string, value: string | undefined): void {
    (this.#headers ??= new Map()).set(lower, value);
  }

  headers(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    const raw = this.req.rawHeaders;
    const edits = this.#headers;
    for (let i = 0; i < raw.length; i += 2) {
      if (edits === undefined || !edits.has(raw[i]!.toLowerCase()))
        out.push([raw[i]!, raw[i + 1]!]);
    }
    if (edits !== undefined) for (const [k, v] of edits) if (v !== undefined) out.push([k, v]);
    return out;
  }

  // ---- query, uri, method, body ----

  #query(): URLSearchParams {
    if (this.#args === undefined) {
      const url = this.req.url ?? '/';
      const q = url.indexOf('?');
      this.#args = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    }
    return this.#args;
  }

  arg(name: string): string | undefined {
    return this.#query().get(name) ?? undefined;
  }

  setArg(name: string, value: string | undefined): void {
    const q = this.#query();
    if (value === undefined) q.delete(name);
    else q.set(name, value);
    this.#argsChanged = true;
  }

  get upstreamUri(): string {
    if (this.#path !== undefined) return this.#path;
    const url = this.req.url ?? '/';
    if (!this.#argsChanged) return url;
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const args = this.#args!.toString();
    return args === '' ? path : `${path}?${args}`;
  }

  set upstreamUri(value: string) {
    this.#path = value;
  }

  get upstreamMethod(): string {
    return this.#method ?? this.method;
  }

  set upstreamMethod(value: string) {
    this.#method = value;
  }

  readBody(): Promise<Buffer> {
    if (this.#body !== undefined) return Promise.resolve(this.#body);
    if (this.#reading !== undefined) return this.#reading;
    this.#reading = new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const { maxBody: limit, bodyTimeoutMs } = this.bodyRules;
      // client_body_timeout between two chunks: nginx then closes the connection with no answer.
      const timeout =
        bodyTimeoutMs > 0 && !this.req.readableEnded
          ? new BodyReadTimeout(bodyTimeoutMs, {
              clientBodyTimedOut: () => {
                this.bodyTimedOut = true;
                this.req.off('data', onData);
                this.req.socket.destroy();
                reject(new Error('client timed out while sending the body'));
              },
            })
          : undefined;
      timeout?.wait();
      const onData = (c: Buffer): void => {
        timeout?.refresh();
        size += c.length;
        if (limit > 0 && size > limit) {
          // nginx ends the request with 413 (client_max_body_size), whatever the plugin does.
          this.bodyTooLarge = true;
          timeout?.stop();
          this.req.off('data', onData);
          reject(new Error('client intended to send too large body'));
          return;
        }
        chunks.push(c);
      };
      sendContinue(this.req);
      this.req.on('data', onData);
      this.req.once('end', () => {
        timeout?.stop();
        this.#body ??= Buffer.concat(chunks);
        resolve(this.#body);
      });
      this.req.once('error', (err) => {
        timeout?.stop();
        reject(err);
      });
    });
    // A plugin that does not await the read must not turn a client's abort into an unhandled
    // rejection (which ends the worker); those that await still see it.
    this.#reading.catch(() => undefined);
    return this.#reading;
  }

  setBody(body: string | Buffer): void {
    this.#body = typeof body === 'string' ? Buffer.from(body) : body;
    this.setHeader('content-length', String(this.#body.length));
  }

  // ---- consumers ----

  attachConsumer(consumer: Consumer, credentialId?: string): void {
    this.consumer = consumer;
    this.#setLower('x-consumer-username', consumer.username);
    this.#setOrStrip('x-credential-identifier', credentialId);
    this.#setOrStrip('x-consumer-custom-id', consumer.labels?.['custom_id']);
  }

  /**
   * A header the gateway sets, or strips when it has no value: a removal is only recorded when
   * there is something to remove (the client sent it, or a plugin set it), so the common request
   * without those headers keeps a smaller edits map to build and to check every header against.
   */
  #setOrStrip(lower: string, value: string | undefined): void {
    if (value !== undefined || this.req.headers[lower] !== undefined || this.#headers?.has(lower)) {
      this.#setLower(lower, value);
    }
  }

  /** What the upstream request must differ in. */
  edits(): RequestEdits {
    return {
      headers: this.#headers,
      path: this.#path !== undefined || this.#argsChanged ? this.upstreamUri : undefined,
      method: this.#method,
      host: this.#host,
      body: this.#body,
    };
  }
}

/** `Number(text)` when that is a finite number. */
function finiteNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
