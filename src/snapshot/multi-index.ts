/** A reverse index: which routes use a given service / upstream / plugin_config. */
export class MultiIndex {
  readonly #sets = new Map<string, Set<string>>();

  add(from: string | undefined, to: string): void {
    if (from === undefined) return;
    let set = this.#sets.get(from);
    if (set === undefined) this.#sets.set(from, (set = new Set()));
    set.add(to);
  }

  delete(from: string | undefined, to: string): void {
    if (from === undefined) return;
    const set = this.#sets.get(from);
    if (set === undefined) return;
    set.delete(to);
    if (set.size === 0) this.#sets.delete(from);
  }

  /** A copy, so callers may change the index while they walk it. */
  get(from: string): string[] {
    const set = this.#sets.get(from);
    return set === undefined ? [] : [...set];
  }

  clear(): void {
    this.#sets.clear();
  }
}
