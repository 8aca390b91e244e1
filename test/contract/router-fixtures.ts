import { compileExpr } from '../../src/core/expr/compile.js';
import type { MatchRequest, RouteMatchSpec } from '../../src/router/types.js';

/** A route spec with the defaults a test does not care about. */
export function route(
  id: string,
  paths: string | string[],
  extra: Partial<Omit<RouteMatchSpec, 'id' | 'paths' | 'vars'>> & { vars?: unknown } = {},
): RouteMatchSpec {
  const { vars, ...rest } = extra;
  return {
    id,
    paths: typeof paths === 'string' ? [paths] : paths,
    priority: 0,
    ...rest,
    ...(vars === undefined ? {} : { vars: compileExpr(vars) }),
  };
}

/** A request; `query` feeds `arg_<name>` variables. */
export function request(
  path: string,
  extra: Partial<Omit<MatchRequest, 'vars'>> & { query?: Record<string, string> } = {},
): MatchRequest {
  const { query = {}, ...rest } = extra;
  const host = rest.host ?? 'example.com';
  return {
    method: 'GET',
    path,
    host,
    rawHost: host,
    remoteAddr: '127.0.0.1',
    vars: {
      get: (name) =>
        name.startsWith('arg_') ? query[name.slice(4)] : name === 'uri' ? path : undefined,
    },
    ...rest,
  };
}
