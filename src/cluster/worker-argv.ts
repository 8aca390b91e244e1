/** The environment variable with extra Node flags for every worker (space-separated). */
export const WORKER_NODE_OPTIONS_ENV = 'GATEHOUSE_WORKER_NODE_OPTIONS';

/**
 * Flags a worker gets unless the user sets one of the same group. A young generation of a fixed
 * 32 MiB per semi-space: V8 starts it at 1 MiB and grows it only when many objects survive,
 * which a proxy's short-lived request objects never do, so it scavenged every few hundred
 * requests; this takes the workers' GC time from ~7 % to ~2.5 % of their CPU with 1 route and
 * from 9-22 % to ~2.6 % with 100k routes, for ~32 MiB more RSS per worker (bench/README.md,
 * "Route scale"). Setting either semi-space flag yourself drops both.
 */
export const WORKER_DEFAULT_FLAGS: readonly (readonly string[])[] = [
  ['--min-semi-space-size=32', '--max-semi-space-size=32'],
];

/** `--max-semi-space-size=64` and `--max_semi_space_size 64` both name `max-semi-space-size`. */
function flagName(arg: string): string | undefined {
  if (!arg.startsWith('--')) return undefined;
  const eq = arg.indexOf('=');
  return (eq < 0 ? arg.slice(2) : arg.slice(2, eq)).replaceAll('_', '-');
}

/**
 * The execArgv of a worker: the default groups the user set no flag of, then the primary's own
 * flags (what node was started with), then `GATEHOUSE_WORKER_NODE_OPTIONS`. Node and V8 take the
 * last of a repeated flag, so the user's win; a flag in NODE_OPTIONS (which the worker inherits
 * and reads before its execArgv) also turns its default group off.
 *
 * @example
 *   workerExecArgv(['--enable-source-maps'], { GATEHOUSE_WORKER_NODE_OPTIONS: '--trace-gc' })
 *   // ['--min-semi-space-size=32', '--max-semi-space-size=32', '--enable-source-maps', '--trace-gc']
 */
export function workerExecArgv(
  primary: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  defaults: readonly (readonly string[])[] = WORKER_DEFAULT_FLAGS,
): string[] {
  const split = (text: string | undefined): string[] =>
    (text ?? '').split(/\s+/).filter((a) => a !== '');
  const extra = split(env[WORKER_NODE_OPTIONS_ENV]);
  const given = new Set(
    [...split(env['NODE_OPTIONS']), ...primary, ...extra].map(flagName).filter((n) => n),
  );
  const kept = defaults.filter((group) => !group.some((f) => given.has(flagName(f))));
  return [...kept.flat(), ...primary, ...extra];
}
