/**
 * How one route path is stored (spec §4.2, radixtree `common_route_data`): an exact path, or a
 * prefix key in the radix tree, optionally with a regex over the whole path for parameters.
 *
 * - no `*` (and no `:` when parameters are on): exact;
 * - `*` last: prefix on what comes before it (`/foo/*` → `/foo/`, `/foo*` → `/foo`, `*` → ``);
 * - parameters on and a `:`: key = the part before the first `:`, plus a pattern;
 * - a `*` not last (any router): key = the part before it, plus a pattern.
 *
 * In a pattern a segment starting with `:` is `([^/]+)`, one starting with `*` is the rest of
 * the path (a bare `*` is named `:ext`), both captured under their names. radixtree puts the
 * literal segments into the PCRE raw; here they are literal text. A pattern with no parameter
 * segment (`/foo/a:b`) matches like a plain prefix, as radixtree does.
 *
 * @example
 *   parsePath('/user/:id', true); // { key: '/user/', exact: false, pattern: ^/user/([^/]+)$ }
 */
export interface ParsedPath {
  readonly original: string;
  readonly key: string;
  readonly exact: boolean;
  readonly pattern: ParamPattern | undefined;
}

export interface ParamPattern {
  readonly regex: RegExp;
  readonly names: readonly string[];
}

export function parsePath(path: string, params: boolean): ParsedPath {
  const colon = params ? path.indexOf(':') : -1;
  if (colon !== -1) {
    return { original: path, key: path.slice(0, colon), exact: false, pattern: buildPattern(path) };
  }
  const star = path.indexOf('*');
  if (star === -1) return { original: path, key: path, exact: true, pattern: undefined };
  const pattern = star === path.length - 1 ? undefined : buildPattern(path);
  return { original: path, key: path.slice(0, star), exact: false, pattern };
}

function buildPattern(path: string): ParamPattern | undefined {
  const names: string[] = [];
  const parts = path.split('/').map((segment) => {
    if (segment.startsWith(':')) {
      names.push(segment.slice(1));
      return '([^/]+)';
    }
    if (segment.startsWith('*')) {
      names.push(segment.length > 1 ? segment.slice(1) : ':ext');
      return '([\\s\\S]*)';
    }
    return segment.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  });
  if (names.length === 0) return undefined;
  return { regex: new RegExp(`^${parts.join('/')}$`), names };
}

/** The captures of a parameter route, or undefined when the whole path does not match. */
export function execPattern(
  pattern: ParamPattern,
  path: string,
): Record<string, string> | undefined {
  const m = pattern.regex.exec(path);
  if (m === null) return undefined;
  const params: Record<string, string> = {};
  pattern.names.forEach((name, i) => {
    params[name] = m[i + 1] ?? '';
  });
  return params;
}
