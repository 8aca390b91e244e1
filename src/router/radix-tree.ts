/**
 * A compressed trie (radix tree) from string keys to values, for "which stored keys are prefixes
 * of this subject, longest first" — prefix routes by path, wildcard hosts by suffix. Lookup walks
 * one edge per level, so its cost depends on the subject's length, not on how many keys are
 * stored. A reverse tree stores keys read from their last character, so that `find` answers
 * suffixes (`.foo.com` for `a.b.foo.com`) without reversing the subject per request.
 *
 * @example
 *   const tree = new RadixTree<string>();
 *   tree.set('/foo/', 'a');
 *   tree.set('/', 'b');
 *   tree.find('/foo/bar', (v) => (v === 'b' ? v : undefined), null); // 'b' after trying 'a'
 */
export class RadixTree<V> {
  readonly #reverse: boolean;
  #root: TreeNode<V> = newNode('');

  constructor(opts: { reverse?: boolean } = {}) {
    this.#reverse = opts.reverse === true;
  }

  get(key: string): V | undefined {
    const k = this.#internal(key);
    let node: TreeNode<V> | undefined = this.#root;
    let i = 0;
    while (node !== undefined && i < k.length) {
      const child: TreeNode<V> | undefined = childOf(node, k.charCodeAt(i));
      if (child === undefined || !k.startsWith(child.label, i)) return undefined;
      i += child.label.length;
      node = child;
    }
    return node?.value;
  }

  set(key: string, value: V): void {
    const k = this.#internal(key);
    let node = this.#root;
    let i = 0;
    while (i < k.length) {
      const c = k.charCodeAt(i);
      const child = childOf(node, c);
      if (child === undefined) {
        const leaf = newNode<V>(k.slice(i));
        leaf.value = value;
        setChild(node, c, leaf);
        return;
      }
      const common = commonPrefix(child.label, k, i);
      if (common < child.label.length) {
        // Split the edge: a new inner node takes the shared part.
        const mid = newNode<V>(child.label.slice(0, common));
        child.label = child.label.slice(common);
        setChild(mid, child.label.charCodeAt(0), child);
        setChild(node, c, mid);
        node = mid;
      } else {
        node = child;
      }
      i += common;
    }
    node.value = value;
  }

  /** Removes the key and prunes what no longer leads anywhere; edges merge back. */
  delete(key: string): boolean {
    const k = this.#internal(key);
    const path: TreeNode<V>[] = [this.#root];
    let node = this.#root;
    let i = 0;
    while (i < k.length) {
      const child = childOf(node, k.charCodeAt(i));
      if (child === undefined || !k.startsWith(child.label, i)) return false;
      i += child.label.length;
      node = child;
      path.push(node);
    }
    if (node.value === undefined) return false;
    node.value = undefined;
    for (let d = path.length - 1; d > 0; d--) {
      const n = path[d];
      const parent = path[d - 1];
      if (n === undefined || parent === undefined) break;
      if (n.value !== undefined) break;
      if (n.kids.length === 0) {
        deleteChild(parent, n.label.charCodeAt(0));
        continue;
      }
      if (n.kids.length === 1) mergeOnlyChild(n);
      break;
    }
    return true;
  }

  /**
   * Calls `visit` with the value of every stored key that is a prefix (a suffix, for a reverse
   * tree) of `subject`, longest first, until `visit` returns something other than undefined.
   * `ctx` is passed through so that callers need no closure per call.
   */
  find<C, R>(subject: string, visit: (value: V, ctx: C) => R | undefined, ctx: C): R | undefined {
    return this.#reverse
      ? findReverse(this.#root, subject, 0, visit, ctx)
      : findForward(this.#root, subject, 0, visit, ctx);
  }

  /** Nodes below the root, for tests that check pruning. */
  get nodeCount(): number {
    return countNodes(this.#root) - 1;
  }

  #internal(key: string): string {
    // UTF-16 units, as `find` reads the subject with charCodeAt.
    return this.#reverse ? key.split('').reverse().join('') : key;
  }
}

// Children as two short parallel arrays scanned linearly: fan-out is small in route keys, and
// this is both faster and far smaller than a Map per node. The arrays are replaced by exact-size
// copies on change (push would reserve 17 slots) and leaves share one empty pair.
interface TreeNode<V> {
  label: string;
  firsts: readonly number[];
  kids: readonly TreeNode<V>[];
  value: V | undefined;
}

// Shared by every leaf; never written (changes replace the arrays).
const NONE: readonly never[] = [];

function newNode<V>(label: string): TreeNode<V> {
  return { label, firsts: NONE, kids: NONE, value: undefined };
}

function childOf<V>(node: TreeNode<V>, c: number): TreeNode<V> | undefined {
  const firsts = node.firsts;
  for (let j = 0; j < firsts.length; j++) if (firsts[j] === c) return node.kids[j];
  return undefined;
}

function setChild<V>(node: TreeNode<V>, c: number, child: TreeNode<V>): void {
  const j = node.firsts.indexOf(c);
  if (j === -1) {
    node.firsts = node.firsts.toSpliced(node.firsts.length, 0, c);
    node.kids = node.kids.toSpliced(node.kids.length, 0, child);
  } else {
    node.kids = node.kids.with(j, child);
  }
}

function deleteChild<V>(node: TreeNode<V>, c: number): void {
  const j = node.firsts.indexOf(c);
  if (j === -1) return;
  node.firsts = node.firsts.toSpliced(j, 1);
  node.kids = node.kids.toSpliced(j, 1);
}

// The first character was matched by the child lookup; compare the rest of the edge.
function labelAt(s: string, pos: number, label: string): boolean {
  if (pos + label.length > s.length) return false;
  for (let k = 1; k < label.length; k++) {
    if (s.charCodeAt(pos + k) !== label.charCodeAt(k)) return false;
  }
  return true;
}

function commonPrefix(label: string, key: string, from: number): number {
  let n = 0;
  while (
    n < label.length &&
    from + n < key.length &&
    label.charCodeAt(n) === key.charCodeAt(from + n)
  ) {
    n++;
  }
  return n;
}

function mergeOnlyChild<V>(node: TreeNode<V>): void {
  const only = node.kids[0];
  if (only === undefined) return;
  node.label += only.label;
  node.firsts = only.firsts;
  node.kids = only.kids;
  node.value = only.value;
}

function countNodes<V>(node: TreeNode<V>): number {
  let n = 1;
  for (const child of node.kids) n += countNodes(child);
  return n;
}

// Recursion instead of a stack of candidates: the deeper (longer) match is tried first and the
// walk allocates nothing.
function findForward<V, C, R>(
  node: TreeNode<V>,
  s: string,
  pos: number,
  visit: (value: V, ctx: C) => R | undefined,
  ctx: C,
): R | undefined {
  if (pos < s.length) {
    const child = childOf(node, s.charCodeAt(pos));
    if (child !== undefined && labelAt(s, pos, child.label)) {
      const found = findForward(child, s, pos + child.label.length, visit, ctx);
      if (found !== undefined) return found;
    }
  }
  return node.value === undefined ? undefined : visit(node.value, ctx);
}

function findReverse<V, C, R>(
  node: TreeNode<V>,
  s: string,
  pos: number,
  visit: (value: V, ctx: C) => R | undefined,
  ctx: C,
): R | undefined {
  const end = s.length - 1 - pos;
  if (end >= 0) {
    const child = childOf(node, s.charCodeAt(end));
    if (child !== undefined && endsWithReversed(s, end, child.label)) {
      const found = findReverse(child, s, pos + child.label.length, visit, ctx);
      if (found !== undefined) return found;
    }
  }
  return node.value === undefined ? undefined : visit(node.value, ctx);
}

function endsWithReversed(s: string, end: number, label: string): boolean {
  if (label.length > end + 1) return false;
  for (let k = 0; k < label.length; k++) {
    if (s.charCodeAt(end - k) !== label.charCodeAt(k)) return false;
  }
  return true;
}
