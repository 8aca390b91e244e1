import path from 'node:path';

export interface ConfigLocation {
  /** Absolute path of config.yaml (which may not exist yet). */
  file: string;
  /** Absolute prefix directory. */
  prefix: string;
  /** Whether the user named the file (then a missing file is an error, not "defaults only"). */
  explicit: boolean;
}

/**
 * Where config.yaml is and what the prefix is, as APISIX lays it out: `<prefix>/conf/config.yaml`.
 * With an explicit file the prefix is the parent of its directory when that directory is
 * `conf`, else the file's own directory, so `start --config /srv/gw/conf/config.yaml` works
 * from any working directory.
 */
export function resolveConfigLocation(opts: {
  file?: string | undefined;
  prefix?: string | undefined;
  cwd?: string | undefined;
}): ConfigLocation {
  const cwd = opts.cwd ?? process.cwd();
  if (opts.file !== undefined) {
    const file = path.resolve(cwd, opts.file);
    const dir = path.dirname(file);
    const implied = path.basename(dir) === 'conf' ? path.dirname(dir) : dir;
    const prefix = opts.prefix === undefined ? implied : path.resolve(cwd, opts.prefix);
    return { file, prefix, explicit: true };
  }
  const prefix = path.resolve(cwd, opts.prefix ?? '.');
  return { file: path.join(prefix, 'conf', 'config.yaml'), prefix, explicit: false };
}

/** How messages name a file: relative to the working directory when inside it, else absolute. */
export function fileLabel(file: string, cwd: string = process.cwd()): string {
  const rel = path.relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}
