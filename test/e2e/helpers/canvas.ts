/**
 * Mouse-level actions on the editor canvas: add a node through the right-click search, drag a link
 * from one socket to another, read values the page shows. Page-side expressions are strings because
 * the tests are type-checked without the DOM library.
 */
import type { Locator, Page } from 'playwright-core';

/** Evaluates a page expression (string, so no DOM types are needed here). */
export async function pageValue<T>(page: Page, expression: string): Promise<T> {
  return (await page.evaluate(expression)) as T;
}

/**
 * What `read` returns once it equals `expected` (compared as JSON), or the last value seen after `timeoutMs`:
 * for state the page applies asynchronously (undo and redo, link views mounted on the next frame).
 */
export async function settled<T>(read: () => Promise<T>, expected: T, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (JSON.stringify(value) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

/** The field's value once it equals `expected`, or the last value seen after `timeoutMs`. */
export async function settledInputValue(field: Locator, expected: string, timeoutMs = 5_000): Promise<string> {
  return settled(() => field.inputValue(), expected, timeoutMs);
}

/**
 * Opens a stored template through the Open menu and waits until it is loaded (its "Loaded" toast), so the
 * previous graph's node views, which may share ids with the new one, are gone before the test looks.
 * `confirm` answers the discard prompt: always, or only if the open graph has unsaved changes.
 */
export async function openTemplate(page: Page, name: string, confirm: 'always' | 'if-asked' | 'never' = 'never'): Promise<void> {
  const loaded = page.locator('[data-testid="toast"]', { hasText: `Loaded graphs/${name}.json` });
  // An earlier load's toast must not stand for this one.
  await loaded.waitFor({ state: 'detached' });
  await page.getByTestId('cmd-open').click();
  await page.getByTestId(`template-${name}`).click();
  const ok = page.getByTestId('confirm-ok');
  if (confirm === 'always') await ok.click();
  if (confirm === 'if-asked') {
    await ok.or(loaded).first().waitFor();
    if (await ok.isVisible()) await ok.click();
  }
  await loaded.waitFor();
}

export function node(page: Page, id: string): Locator {
  return page.locator(`[data-node-id="${id}"]`);
}

export function socket(page: Page, nodeId: string, side: 'input' | 'output', key: string): Locator {
  return node(page, nodeId).locator(`[data-testid="socket-${side}-${key}"]`);
}

async function centre(locator: Locator): Promise<{ x: number; y: number }> {
  const box = await locator.boundingBox();
  if (!box) throw new Error(`${locator.toString()} is not visible`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Right-clicks the canvas at (x, y), searches for `type`, and picks it with Enter. */
export async function addNodeWithMenu(page: Page, type: string, x: number, y: number): Promise<void> {
  await page.mouse.click(x, y, { button: 'right' });
  const menu = page.locator('[data-testid="context-menu"]');
  await menu.waitFor();
  await page.keyboard.type(type);
  await menu.locator(`[data-testid="menu-item-${type}"]`).waitFor();
  await page.keyboard.press('Enter');
  await menu.waitFor({ state: 'detached' });
}

/** Drags with the mouse from an output socket to an input socket. */
export async function dragLink(page: Page, from: [string, string], to: [string, string]): Promise<void> {
  const a = await centre(socket(page, from[0], 'output', from[1]));
  const b = await centre(socket(page, to[0], 'input', to[1]));
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 6 });
  await page.mouse.move(b.x, b.y, { steps: 6 });
  await page.mouse.up();
}

/** Whether a link is still following the pointer (the pseudo-connection of a drag has no target). */
export async function dragging(page: Page): Promise<boolean> {
  return pageValue<boolean>(page, `[...document.querySelectorAll('[data-testid="connection"]')].some((c) => !c.dataset.target)`);
}

/** Connections as `source.output->target.input`, read from the drawn links (a drag's pseudo-link excluded). */
export async function links(page: Page): Promise<string[]> {
  return pageValue<string[]>(
    page,
    `[...document.querySelectorAll('[data-testid="connection"]')].filter((c) => c.dataset.target).map((c) => c.dataset.source + '.' + c.dataset.output + '->' + c.dataset.target + '.' + c.dataset.input).sort()`,
  );
}

/** Zooms the canvas with the mouse wheel until the scale is at most `k`. */
export async function zoomOutTo(page: Page, k: number, at: { x: number; y: number }): Promise<number> {
  await page.mouse.move(at.x, at.y);
  for (let i = 0; i < 40; i++) {
    const scale = await pageValue<number>(page, 'window.loom.loom.plugins.area.area.transform.k');
    if (scale <= k) return scale;
    await page.mouse.wheel(0, 120);
    await page.waitForTimeout(30);
  }
  throw new Error(`could not zoom out to ${k}`);
}
