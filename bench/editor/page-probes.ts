/**
 * Page-side measurements for the editor bench, as expression strings (the bench is type-checked
 * without the DOM library, like the e2e helpers). Every probe runs inside Chromium and reports
 * `performance.now()` times, so no CDP round trip sits inside a measured interval.
 */

/** Records long tasks (> 50 ms main-thread tasks, the Long Tasks API) and when an import starts. */
export const INSTALL = `(() => {
  window.__bench = { long: [], importStart: 0 };
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__bench.long.push({ start: e.startTime, duration: e.duration }); }).observe({ type: 'longtask', buffered: false });
  document.addEventListener('change', (e) => { if (e.target && e.target.dataset && e.target.dataset.testid === 'import-input') window.__bench.importStart = performance.now(); }, true);
})()`;

/**
 * Resolves when the "Loaded …" toast is up and two frames have run after it (the page has painted
 * the graph and its main thread is free to answer input): load-to-interactive, and the longest task
 * from the import to then.
 */
export const AWAIT_LOADED = `new Promise((resolve) => {
  const done = () => requestAnimationFrame(() => requestAnimationFrame(() => {
    const end = performance.now();
    const start = window.__bench.importStart;
    const tasks = window.__bench.long.filter((t) => t.start + t.duration >= start);
    resolve({ loadMs: end - start, longestTaskMs: Math.max(0, ...tasks.map((t) => t.duration)), domElements: document.getElementsByTagName('*').length });
  }));
  const seen = () => [...document.querySelectorAll('[data-testid="toast"]')].some((t) => /Loaded/.test(t.textContent || ''));
  if (seen()) return done();
  // Only the toast list is watched: a probe scanning the page on each of a load's thousands of DOM
  // mutations would add its own time to what it measures.
  const observer = new MutationObserver(() => { if (seen()) { observer.disconnect(); done(); } });
  observer.observe(document.querySelector('.toasts') || document.body, { childList: true, subtree: true, characterData: true });
})`;

/**
 * Drives one gesture for \`frames\` animation frames, one synthetic event per frame, and returns the
 * intervals between frames (ms): a frame that takes longer than the display's 16.7 ms shows up as a
 * longer interval. \`kind\` is 'pan' (drag on empty canvas) or 'zoom' (wheel, in then out).
 */
export function gesture(kind: 'pan' | 'zoom', frames: number): string {
  return `new Promise((resolve) => {
    const area = document.querySelector('.canvas');
    const box = area.getBoundingClientRect();
    const x0 = box.left + box.width / 2, y0 = box.top + box.height / 2;
    const opts = (x, y) => ({ clientX: x, clientY: y, bubbles: true, pointerId: 1, pointerType: 'mouse', isPrimary: true, button: 0, buttons: 1 });
    if (${JSON.stringify(kind)} === 'pan') area.dispatchEvent(new PointerEvent('pointerdown', opts(x0, y0)));
    const stamps = [];
    let i = 0;
    const step = (t) => {
      stamps.push(t);
      if (i === ${frames}) {
        if (${JSON.stringify(kind)} === 'pan') window.dispatchEvent(new PointerEvent('pointerup', opts(x0, y0)));
        return resolve(stamps.slice(1).map((s, k) => s - stamps[k]));
      }
      if (${JSON.stringify(kind)} === 'pan') window.dispatchEvent(new PointerEvent('pointermove', opts(x0 + 6 * Math.sin(i / 8) * 20, y0 + 3 * i % 60)));
      else area.dispatchEvent(new WheelEvent('wheel', { clientX: x0, clientY: y0, deltaY: i < ${frames / 2} ? 60 : -60, bubbles: true, cancelable: true }));
      i++;
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  })`;
}

/** Resolves with Date.now() when the run-status shows success (polled every frame, as a user sees it). */
export const AWAIT_DONE = `new Promise((resolve) => {
  const check = () => document.querySelector('[data-testid="run-status"][data-phase="success"]') ? resolve(Date.now()) : requestAnimationFrame(check);
  check();
})`;
