import { compileRoute, type CompiledRoute, type CompileOptions } from './compiled-route.js';
import type { RouteMatchSpec } from './types.js';

/**
 * The routes a router holds, by id, with their insertion positions: an upsert of a known id
 * keeps its position (as APISIX replaces a watched value in place), a new id goes last.
 */
export class RouteSet {
  readonly #routes = new Map<string, CompiledRoute>();
  readonly #opts: Omit<CompileOptions, 'seq'>;
  #nextSeq = 0;

  constructor(opts: Omit<CompileOptions, 'seq'>) {
    this.#opts = opts;
  }

  get size(): number {
    return this.#routes.size;
  }

  /** Compiles the spec (throwing leaves the set unchanged) and returns it with the route it replaces. */
  put(spec: RouteMatchSpec): { route: CompiledRoute; old: CompiledRoute | undefined } {
    const old = this.#routes.get(spec.id);
    const route = compileRoute(spec, { ...this.#opts, seq: old?.seq ?? this.#nextSeq++ });
    this.#routes.set(spec.id, route);
    return { route, old };
  }

  take(id: string): CompiledRoute | undefined {
    const old = this.#routes.get(id);
    this.#routes.delete(id);
    return old;
  }
}
