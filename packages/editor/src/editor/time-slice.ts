/**
 * Long work in slices: the returned function resolves at once while the current slice is younger than
 * `sliceMs`, else once the page has had its turn (input, a paint if one is due). A browser counts a
 * task over 50 ms as long; a big graph's load is cut into tasks of about `sliceMs` each.
 */
export function timeSlicer(sliceMs: number): () => Promise<void> {
  let started = performance.now();
  return async () => {
    if (performance.now() - started < sliceMs) return;
    await yieldToPage();
    started = performance.now();
  };
}

/**
 * `scheduler.yield()` where the browser has it (Chromium 129+): it resumes ahead of other queued
 * tasks. Else a zero timeout, which Chromium clamps to 4 ms once timeouts nest five deep.
 */
function yieldToPage(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  return scheduler?.yield ? scheduler.yield() : new Promise((resolve) => setTimeout(resolve, 0));
}
