/**
 * A server name as SNI matching sees it (spec §6): lower-cased, one trailing `.` removed. Both
 * the ClientHello's name and an SSL object's `sni`/`snis` go through it.
 */
export function normalizeSni(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * Which value serves a TLS server name, by APISIX's SNI rules (spec §6, radixtree_sni): an exact
 * name first; then a wildcard `*<suffix>` whose `*` stands for exactly one label, so `*.test.com`
 * matches `a.test.com` but neither `a.b.test.com` nor `test.com` (and `*test.com` matches
 * `atest.com`), the longest suffix first; then a bare `*`, which matches anything.
 *
 * Updated one owner at a time: `set` and `delete` cost the owner's own names, never the table. A
 * lookup costs one map probe per character of the name's first label at most. When several owners
 * claim one name, the one that claimed it first serves it, and the next takes over when it leaves.
 *
 * @example
 *   const table = new SniTable<string>();
 *   table.set('1', ['*.test.com'], 'wildcard');
 *   table.set('2', ['www.test.com'], 'exact');
 *   table.match('WWW.test.com.'); // 'exact'
 *   table.match('a.test.com');    // 'wildcard'
 */
export class SniTable<T> {
  readonly #exact = new Map<string, Map<string, T>>();
  /** Wildcards by the suffix after their `*` (`.test.com`); the bare `*` under ''. */
  readonly #wildcard = new Map<string, Map<string, T>>();
  readonly #names = new Map<string, readonly string[]>();

  /** Gives `owner` these names (replacing what it had), served by `value`. */
  set(owner: string, names: readonly string[], value: T): void {
    this.delete(owner);
    const normalized = [...new Set(names.map(normalizeSni))];
    this.#names.set(owner, normalized);
    for (const name of normalized) {
      const [map, key] = this.#slot(name);
      let owners = map.get(key);
      if (owners === undefined) map.set(key, (owners = new Map<string, T>()));
      owners.set(owner, value);
    }
  }

  /** Removes every name of `owner`. */
  delete(owner: string): void {
    const names = this.#names.get(owner);
    if (names === undefined) return;
    this.#names.delete(owner);
    for (const name of names) {
      const [map, key] = this.#slot(name);
      const owners = map.get(key);
      owners?.delete(owner);
      if (owners?.size === 0) map.delete(key);
    }
  }

  /** The value serving `serverName` (any case, trailing dot allowed), or undefined. */
  match(serverName: string): T | undefined {
    const name = normalizeSni(serverName);
    const exact = first(this.#exact.get(name));
    if (exact !== undefined) return exact;
    // `*` covers name[0..i): at least one character and no dot, so i runs up to the first dot.
    const dot = name.indexOf('.');
    const end = dot < 0 ? name.length : dot;
    for (let i = 1; i <= end; i++) {
      const found = first(this.#wildcard.get(name.slice(i)));
      if (found !== undefined) return found;
    }
    return first(this.#wildcard.get(''));
  }

  /** How many owners have names (for tests and the Control API). */
  get size(): number {
    return this.#names.size;
  }

  #slot(name: string): [Map<string, Map<string, T>>, string] {
    return name.startsWith('*') ? [this.#wildcard, name.slice(1)] : [this.#exact, name];
  }
}

function first<T>(owners: Map<string, T> | undefined): T | undefined {
  if (owners === undefined) return undefined;
  for (const value of owners.values()) return value;
  return undefined;
}
