/**
 * Where the log hook finds a request's series without building a key: a route's slot (route,
 * service, matched uri and host — the same for most requests of a route), then a map per
 * consumer, then one per upstream address. Strings that come from the same config objects keep
 * their hash, so a lookup is a few comparisons and two Map reads. A string key is only built
 * when `extra_labels` are configured, or when a route's matched uri/host changes from one
 * request to the next.
 */
import { RequestSeries, type SeriesKey, type WorkerMetrics } from './prometheus-metrics.js';

const SEP = '\u0000';

/** `balancer_ip`: the address of `ip:port` or `[ip6]:port`. */
export function nodeOf(upstreamAddr: string): string {
  if (upstreamAddr.startsWith('[')) {
    const end = upstreamAddr.indexOf(']');
    return end < 0 ? upstreamAddr : upstreamAddr.slice(1, end);
  }
  const colon = upstreamAddr.lastIndexOf(':');
  return colon < 0 || upstreamAddr.indexOf(':') !== colon
    ? upstreamAddr
    : upstreamAddr.slice(0, colon);
}

class RouteSlot {
  readonly route: string;
  readonly service: string;
  readonly matchedUri: string;
  readonly matchedHost: string;
  /** consumer → upstream address (+ extras) → series. */
  readonly consumers = new Map<string, Map<string, RequestSeries>>();
  /** The same route with another service or matched uri/host, by those three. */
  variants: Map<string, RouteSlot> | undefined;

  constructor(route: string, service: string, matchedUri: string, matchedHost: string) {
    this.route = route;
    this.service = service;
    this.matchedUri = matchedUri;
    this.matchedHost = matchedHost;
  }

  matches(service: string, matchedUri: string, matchedHost: string): boolean {
    return (
      this.service === service && this.matchedUri === matchedUri && this.matchedHost === matchedHost
    );
  }

  variant(service: string, matchedUri: string, matchedHost: string): RouteSlot {
    const key = service + SEP + matchedUri + SEP + matchedHost;
    this.variants ??= new Map();
    let slot = this.variants.get(key);
    if (slot === undefined) {
      slot = new RouteSlot(this.route, service, matchedUri, matchedHost);
      this.variants.set(key, slot);
    }
    return slot;
  }
}

/** The series one prepared conf has seen, for one generation of the disabled labels. */
export class SeriesIndex {
  readonly #metrics: WorkerMetrics;
  #routes = new Map<string, RouteSlot>();
  #generation = -1;

  constructor(metrics: WorkerMetrics) {
    this.#metrics = metrics;
  }

  /** Forgets every series when the metrics' disabled labels changed. */
  check(generation: number): void {
    if (generation === this.#generation) return;
    this.#generation = generation;
    this.#routes = new Map();
  }

  /**
   * @param extras Values of `WorkerMetrics.extraVariables`, or undefined when there are none.
   */
  find(
    route: string,
    service: string,
    matchedUri: string,
    matchedHost: string,
    consumer: string,
    addr: string,
    extras: readonly string[] | undefined,
  ): RequestSeries {
    let slot = this.#routes.get(route);
    if (slot === undefined) {
      slot = new RouteSlot(route, service, matchedUri, matchedHost);
      this.#routes.set(route, slot);
    } else if (!slot.matches(service, matchedUri, matchedHost)) {
      slot = slot.variant(service, matchedUri, matchedHost);
    }
    let byAddr = slot.consumers.get(consumer);
    if (byAddr === undefined) {
      byAddr = new Map();
      slot.consumers.set(consumer, byAddr);
    }
    const last = extras === undefined ? addr : addr + SEP + extras.join(SEP);
    let series = byAddr.get(last);
    if (series === undefined) {
      const key: SeriesKey = {
        route,
        service,
        consumer,
        node: addr === '' ? '' : nodeOf(addr),
        matchedUri,
        matchedHost,
        extras: extras ?? [],
      };
      series = new RequestSeries(this.#metrics, key);
      byAddr.set(last, series);
    }
    return series;
  }
}
