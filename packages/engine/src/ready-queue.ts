/**
 * A priority queue (binary min-heap) for scheduling: Kahn's algorithm takes the smallest ready node id,
 * the executor the ready node earliest in topological order. Push and shift are O(log n), so a wide
 * graph with thousands of ready nodes never pays the O(n) sorted insert a plain array would.
 */
export class ReadyQueue<T> {
  readonly #heap: T[] = [];

  /** `before(a, b)` is true when `a` must leave the queue before `b`. */
  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.#heap.length;
  }

  push(item: T): void {
    const heap = this.#heap;
    let i = heap.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(item, heap[parent] as T)) break;
      heap[i] = heap[parent] as T;
      i = parent;
    }
    heap[i] = item;
  }

  /** Removes and returns the first item, or undefined when the queue is empty. */
  shift(): T | undefined {
    const heap = this.#heap;
    const first = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return first;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && this.before(heap[right] as T, heap[left] as T) ? right : left;
      if (!this.before(heap[child] as T, last)) break;
      heap[i] = heap[child] as T;
      i = child;
    }
    heap[i] = last;
    return first;
  }
}
