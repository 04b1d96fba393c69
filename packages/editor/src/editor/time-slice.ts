/**
 * Long work in slices: the returned function resolves at once while the current slice is younger than
 * `sliceMs`, else after a macrotask, so the page can paint and answer input in between. A browser
 * counts a task over 50 ms as long; a big graph's load is cut into tasks of about `sliceMs` each.
 */
export function timeSlicer(sliceMs: number): () => Promise<void> {
  let started = performance.now();
  return async () => {
    if (performance.now() - started < sliceMs) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    started = performance.now();
  };
}
