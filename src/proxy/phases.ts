import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The seam the plugin runner plugs into (DESIGN.md "Plugin chain", spec §10). The proxy calls
 * these at the points APISIX runs its phases; until plugins exist the runner does nothing and
 * costs one call per phase. A phase that returns a response ends the request with it.
 *
 * Order for one request: match → rewrite → access → (upstream pick) → beforeProxy (each try) →
 * headerFilter → bodyFilter (per chunk; only when `wantsBody`) → log.
 */
export interface PhaseRunner {
  rewrite(ctx: PhaseContext): PhaseResponse | undefined;
  access(ctx: PhaseContext): PhaseResponse | undefined;
  beforeProxy(ctx: PhaseContext): PhaseResponse | undefined;
  /** May edit the flat response header array before it is written. */
  headerFilter(ctx: PhaseContext, status: number, headers: string[]): void;
  /** Whether any plugin of the route wants to see response body chunks. */
  wantsBody(ctx: PhaseContext): boolean;
  bodyFilter(ctx: PhaseContext, chunk: Buffer): Buffer;
  log(ctx: PhaseContext, status: number): void;
}

/** What a phase sees of the request; the plugin issue extends it (consumer, vars, ...). */
export interface PhaseContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The composed route's merged plugins map. */
  readonly plugins: Readonly<Record<string, unknown>>;
}

export interface PhaseResponse {
  readonly status: number;
  readonly body?: string | Buffer | Record<string, unknown>;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The runner used until plugins land: every phase passes. */
export const NO_PHASES: PhaseRunner = {
  rewrite: () => undefined,
  access: () => undefined,
  beforeProxy: () => undefined,
  headerFilter: () => undefined,
  wantsBody: () => false,
  bodyFilter: (_ctx, chunk) => chunk,
  log: () => undefined,
};
