import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { UpstreamNode } from '../balancer/types.js';
import { makeNode } from './nodes.js';

/** A node whose host is an IP; `domain` is the name it was resolved from (for pass_host: node). */
export interface ResolvedNode extends UpstreamNode {
  readonly domain?: string;
}

/** Resolves a host name to its addresses, as node:dns `lookup` with `all: true` does. */
export type LookupAll = (host: string) => Promise<readonly { address: string; family: number }[]>;

export interface DnsCacheOptions {
  /** How long an answer is used, ms. `lookup` reports no TTL, so this is fixed. Default 30 s. */
  readonly ttlMs?: number;
  /** `apisix.resolver_timeout` in ms (config: seconds, default 5). */
  readonly timeoutMs?: number;
  /** `apisix.enable_ipv6`: whether a name with only IPv6 addresses is usable. Default true. */
  readonly ipv6?: boolean;
  readonly now?: () => number;
  /** Default node:dns lookup, which reads /etc/hosts as the system resolver does. */
  readonly lookup?: LookupAll;
}

interface Entry {
  readonly address: string;
  readonly expires: number;
}

const defaultLookup: LookupAll = (host) => lookup(host, { all: true });

/**
 * Host name → one address, cached for ttlMs, IPv4 preferred (apisix/core/resolver.lua). Used
 * when an upstream version is built, off the request path. An expired answer is kept when a
 * new lookup fails, so a DNS outage does not take nodes away.
 */
export class DnsCache {
  readonly #entries = new Map<string, Entry>();
  readonly #pending = new Map<string, Promise<string>>();
  readonly #ttlMs: number;
  readonly #timeoutMs: number;
  readonly #ipv6: boolean;
  readonly #now: () => number;
  readonly #lookup: LookupAll;

  constructor(opts: DnsCacheOptions = {}) {
    this.#ttlMs = opts.ttlMs ?? 30_000;
    this.#timeoutMs = opts.timeoutMs ?? 5_000;
    this.#ipv6 = opts.ipv6 ?? true;
    this.#now = opts.now ?? Date.now;
    this.#lookup = opts.lookup ?? defaultLookup;
  }

  /** The address of `host`; rejects when it cannot be resolved and nothing is cached. */
  async resolve(host: string): Promise<string> {
    const cached = this.#entries.get(host);
    if (cached !== undefined && cached.expires > this.#now()) return cached.address;
    // Concurrent builds of several upstreams naming the same host share one lookup.
    let pending = this.#pending.get(host);
    if (pending === undefined) {
      pending = this.#refresh(host, cached).finally(() => this.#pending.delete(host));
      this.#pending.set(host, pending);
    }
    return pending;
  }

  async #refresh(host: string, stale: Entry | undefined): Promise<string> {
    try {
      const address = pickAddress(
        await withTimeout(this.#lookup(host), this.#timeoutMs, host),
        this.#ipv6,
      );
      if (address === undefined) throw new Error(`no usable address for ${host}`);
      this.#entries.set(host, { address, expires: this.#now() + this.#ttlMs });
      return address;
    } catch (err) {
      if (stale !== undefined) return stale.address;
      throw err;
    }
  }
}

/**
 * Replaces host names by one address each, keeping `domain`. A node whose name does not
 * resolve is dropped and reported, as APISIX does; an upstream left with no node answers 503.
 *
 * @example await resolveNodes(normaliseNodes({ 'localhost:8080': 1 }), cache) // host 127.0.0.1
 */
export async function resolveNodes(
  nodes: readonly UpstreamNode[],
  cache: DnsCache,
  onError?: (host: string, err: unknown) => void,
): Promise<ResolvedNode[]> {
  const resolved = await Promise.all(
    nodes.map(async (node): Promise<ResolvedNode | undefined> => {
      if (isIP(node.host) !== 0) return node;
      try {
        const address = await cache.resolve(node.host);
        return { ...makeNode(address, node.port, node.weight, node.priority), domain: node.host };
      } catch (err) {
        onError?.(node.host, err);
        return undefined;
      }
    }),
  );
  return resolved.filter((n): n is ResolvedNode => n !== undefined);
}

/** Whether any node needs resolving: an upstream of IPs skips the async step entirely. */
export function hasDomain(nodes: readonly UpstreamNode[]): boolean {
  return nodes.some((n) => isIP(n.host) === 0);
}

function pickAddress(
  answers: readonly { address: string; family: number }[],
  ipv6: boolean,
): string | undefined {
  return answers.find((a) => a.family === 4)?.address ?? (ipv6 ? answers[0]?.address : undefined);
}

function withTimeout<T>(promise: Promise<T>, ms: number, host: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`resolving ${host} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
