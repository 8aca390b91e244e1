/**
 * A binary min-heap of the integers 0..n-1 ordered by a score array the caller owns, with each
 * item's position tracked so a changed score is re-seated in O(log n). Ties go to the lower
 * index, so the order is deterministic.
 */
export class IndexHeap {
  readonly #scores: Float64Array;
  readonly #heap: Uint32Array;
  readonly #position: Uint32Array;

  constructor(scores: Float64Array) {
    const n = scores.length;
    this.#scores = scores;
    this.#heap = new Uint32Array(n);
    this.#position = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      this.#heap[i] = i;
      this.#position[i] = i;
    }
    for (let i = (n >>> 1) - 1; i >= 0; i--) this.#down(i);
  }

  get size(): number {
    return this.#heap.length;
  }

  /** The item with the lowest score; the heap must not be empty. */
  peek(): number {
    return this.#heap[0]!;
  }

  /** Call after changing `scores[item]`. */
  update(item: number): void {
    const at = this.#position[item]!;
    this.#up(at);
    this.#down(this.#position[item]!);
  }

  #less(a: number, b: number): boolean {
    const sa = this.#scores[a]!;
    const sb = this.#scores[b]!;
    return sa < sb || (sa === sb && a < b);
  }

  #up(at: number): void {
    const heap = this.#heap;
    while (at > 0) {
      const parent = (at - 1) >>> 1;
      if (!this.#less(heap[at]!, heap[parent]!)) return;
      this.#swap(at, parent);
      at = parent;
    }
  }

  #down(at: number): void {
    const heap = this.#heap;
    const n = heap.length;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= n) return;
      const right = left + 1;
      const child = right < n && this.#less(heap[right]!, heap[left]!) ? right : left;
      if (!this.#less(heap[child]!, heap[at]!)) return;
      this.#swap(at, child);
      at = child;
    }
  }

  #swap(a: number, b: number): void {
    const heap = this.#heap;
    const ia = heap[a]!;
    const ib = heap[b]!;
    heap[a] = ib;
    heap[b] = ia;
    this.#position[ib] = a;
    this.#position[ia] = b;
  }
}
