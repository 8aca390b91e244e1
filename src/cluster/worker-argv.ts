/** The environment variable with extra Node flags for every worker (space-separated). */
export const WORKER_NODE_OPTIONS_ENV = 'GATEHOUSE_WORKER_NODE_OPTIONS';

/**
 * Flags a worker gets unless the user sets the same flag. A worker's heap is mostly long-lived
 * config (≈1.6 KB per route) plus short-lived request objects; a larger young generation lets
 * more of those die young instead of being promoted into the old generation, whose collections
 * cost more as the route table grows (bench/README.md, "Route scale").
 */
export const WORKER_DEFAULT_FLAGS: readonly string[] = [];

/** `--max-semi-space-size=64` and `--max_semi_space_size 64` both name `max-semi-space-size`. */
function flagName(arg: string): string | undefined {
  if (!arg.startsWith('--')) return undefined;
  const eq = arg.indexOf('=');
  return (eq < 0 ? arg.slice(2) : arg.slice(2, eq)).replaceAll('_', '-');
}

/**
 * The execArgv of a worker: the defaults the user did not set, then the primary's own flags
 * (what node was started with), then `GATEHOUSE_WORKER_NODE_OPTIONS`. Node and V8 take the last
 * of a repeated flag, so the user's win; a flag in NODE_OPTIONS (which the worker inherits and
 * reads before its execArgv) also turns the default off.
 *
 * @example
 *   workerExecArgv(['--enable-source-maps'], { GATEHOUSE_WORKER_NODE_OPTIONS: '--trace-gc' })
 *   // [...WORKER_DEFAULT_FLAGS, '--enable-source-maps', '--trace-gc']
 */
export function workerExecArgv(
  primary: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  defaults: readonly string[] = WORKER_DEFAULT_FLAGS,
): string[] {
  const split = (text: string | undefined): string[] =>
    (text ?? '').split(/\s+/).filter((a) => a !== '');
  const extra = split(env[WORKER_NODE_OPTIONS_ENV]);
  const given = new Set(
    [...split(env['NODE_OPTIONS']), ...primary, ...extra].map(flagName).filter((n) => n),
  );
  return [...defaults.filter((f) => !given.has(flagName(f))), ...primary, ...extra];
}
