/**
 * The editor on whole graphs, in headless Chromium against the real server: bypass and mute set with
 * Ctrl+B / Ctrl+M run the way ComfyUI's modes do (the bypassed StringJoin passes its text through,
 * the muted branch never runs); groups made from a selection are renamed, dragged with their nodes,
 * autosaved and restored after a reload, and a ComfyUI UI workflow's groups are drawn; a 1,000-node
 * chain loads (only what is on screen is DOM), its far-zoom boxes select and drag like nodes, and it
 * runs to done. Behaviour only: speed is
 * bench/editor's job.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chainGraph } from '../../bench/editor/graphs.ts';
import { chromiumMissing, openBrowser, type Browser } from './helpers/browser.ts';
import { ensureEditorBuilt, REPO } from './helpers/build-editor.ts';
import { node, pageValue } from './helpers/canvas.ts';
import { startLoom, type LoomProcess } from './helpers/loom-process.ts';

const skip = chromiumMissing();

/** Two branches: text → join (to be bypassed) → showA, and text2 → join2 (to be muted) → showB. */
const MODES_GRAPH = {
  version: 1,
  meta: { title: 'modes e2e' },
  nodes: {
    text: { type: 'String', inputs: { value: 'hello' }, ui: { position: [0, 0] } },
    join: { type: 'StringJoin', inputs: { a: { node: 'text', output: 'value' }, b: 'world', separator: ' ' }, ui: { position: [360, 0] } },
    showA: { type: 'ShowText', inputs: { text: { node: 'join', output: 'text' } }, ui: { position: [720, 0] } },
    text2: { type: 'String', inputs: { value: 'second' }, ui: { position: [0, 320] } },
    join2: { type: 'StringJoin', inputs: { a: { node: 'text2', output: 'value' }, b: '!' }, ui: { position: [360, 320] } },
    showB: { type: 'ShowText', inputs: { text: { node: 'join2', output: 'text' } }, ui: { position: [720, 320] } },
  },
};

type Session = {
  graph: { nodes: Record<string, { mode?: string; ui?: { position?: [number, number] } }>; meta?: { groups?: { title: string; bounding: number[] }[] } };
};

describe('editor on whole graphs', { skip: skip ?? false, timeout: 600_000 }, () => {
  let loom: LoomProcess;
  let browser: Browser;
  const files = mkdtempSync(join(tmpdir(), 'loom-e2e-graphs-'));

  /** Imports a graph file through the toolbar's file input and waits for it to be shown. */
  async function importGraph(name: string, graph: unknown): Promise<void> {
    const file = join(files, name);
    writeFileSync(file, JSON.stringify(graph));
    await browser.page.locator('[data-testid="import-input"]').setInputFiles(file);
    // A 1,000-node graph takes seconds on a loaded 2-core machine: wait generously (not a speed assert; bench/editor measures it).
    await browser.page.locator('[data-testid="toast"]', { hasText: `Loaded ${name}` }).waitFor({ timeout: 180_000 });
  }

  async function session(): Promise<Session> {
    return pageValue<Session>(browser.page, `JSON.parse(localStorage.getItem('loom.editor.session'))`);
  }

  before(async () => {
    ensureEditorBuilt();
    loom = await startLoom([]);
    browser = await openBrowser(loom.url);
    // Whole-graph steps wait on thousands of DOM updates; on a loaded CI machine they outlast the 30 s default.
    browser.page.setDefaultTimeout(120_000);
    await browser.page.locator('[data-testid="cmd-queue"]').waitFor();
  });

  after(async () => {
    await browser?.close();
    await loom?.stop();
  });

  test('bypass passes the input through and a muted branch does not run', async () => {
    const { page } = browser;
    await importGraph('modes.json', MODES_GRAPH);
    await node(page, 'join2').waitFor();
    await node(page, 'join').locator('.node-title').click();
    await page.keyboard.press('Control+b');
    await page.locator('[data-node-id="join"][data-mode="bypass"]').waitFor();
    await node(page, 'join2').locator('.node-title').click();
    await page.keyboard.press('Control+m');
    await page.locator('[data-node-id="join2"][data-mode="mute"]').waitFor();
    // The modes are part of the document.
    await page.waitForFunction(`JSON.parse(localStorage.getItem('loom.editor.session')).graph.nodes.join2.mode === 'mute'`);
    assert.equal((await session()).graph.nodes.join?.mode, 'bypass');

    await page.locator('[data-testid="cmd-queue"]').click();
    await page.locator('[data-testid="run-status"][data-phase="success"]').waitFor({ timeout: 60_000 });
    // Bypassed, StringJoin hands "hello" on unchanged (not "hello world").
    await node(page, 'showA').locator('.node-text', { hasText: 'hello' }).waitFor();
    assert.equal((await node(page, 'showA').locator('.node-text').textContent())?.trim(), 'hello');
    const history = (await (await fetch(`${loom.url}/loom/api/history?order=newest&limit=1`)).json()) as {
      items: { outputs: Record<string, { text?: string[] }> }[];
    };
    const outputs = history.items[0]?.outputs ?? {};
    assert.deepEqual(outputs['showA']?.text, ['hello']);
    // Muted, join2 did not run, nor did text2, which only it needs; showB's linked text falls back
    // to its default (the engine's mute semantics, packages/engine/src/modes.test.ts).
    assert.notDeepEqual(outputs['showB']?.text, ['second!']);
    for (const id of ['join2', 'text2'])
      assert.equal(
        await node(page, id)
          .locator('[data-testid="run-badge"]', { hasText: /done|cached/ })
          .count(),
        0,
        `${id} did not run`,
      );
    assert.equal(await node(page, 'text').locator('[data-testid="run-badge"]', { hasText: /done/ }).count(), 1, 'the bypassed branch ran');
    assert.deepEqual(browser.errors, []);
  });

  test('groups: made from the selection, renamed, dragged with their nodes, restored after a reload', async () => {
    const { page } = browser;
    await node(page, 'text').locator('.node-title').click();
    await node(page, 'join')
      .locator('.node-title')
      .click({ modifiers: ['Control'] });
    await page.keyboard.press('Control+g');
    await browser.screenshot('graphs-01-grouped');
    const group = page.locator('[data-testid="group"]');
    await group.waitFor();
    await group.locator('[data-testid="group-title"]').dblclick();
    await page.locator('[data-testid="group-rename"]').fill('Prompt parts');
    await page.keyboard.press('Enter');
    await group.locator('[data-testid="group-title"]', { hasText: 'Prompt parts' }).waitFor();

    const before = (await session()).graph.nodes;
    const k = await pageValue<number>(page, 'window.loom.loom.plugins.area.area.transform.k');
    const title = await group.locator('.group-title').boundingBox();
    assert.ok(title);
    await page.mouse.move(title.x + 40, title.y + title.height / 2);
    await page.mouse.down();
    await page.mouse.move(title.x + 90, title.y + title.height / 2 + 60, { steps: 5 });
    await page.mouse.up();
    // Autosave follows the drag; wait for the state after the release.
    const movedY = (before['text']?.ui?.position?.[1] ?? 0) + 60 / k;
    await page.waitForFunction(
      `(() => { const g = JSON.parse(localStorage.getItem('loom.editor.session')).graph; return g.meta?.groups?.[0]?.title === 'Prompt parts' && Math.abs(g.nodes.text.ui.position[1] - ${movedY}) <= 2; })()`,
    );
    const after = await session();
    for (const id of ['text', 'join']) {
      const [x0, y0] = before[id]?.ui?.position ?? [0, 0];
      const [x1, y1] = after.graph.nodes[id]?.ui?.position ?? [0, 0];
      assert.ok(
        Math.abs(x1 - x0 - 50 / k) <= 2 && Math.abs(y1 - y0 - 60 / k) <= 2,
        `${id} moved with its group by (${x1 - x0}, ${y1 - y0}), expected (${50 / k}, ${60 / k})`,
      );
    }
    assert.deepEqual(after.graph.nodes['showA']?.ui?.position, before['showA']?.ui?.position, 'a node outside the group stays');

    // One undo puts the group and its nodes back.
    await page.mouse.click(5, 400);
    await page.keyboard.press('Control+z');
    await page.waitForFunction(
      `JSON.parse(localStorage.getItem('loom.editor.session')).graph.nodes.text.ui.position[1] === ${before['text']?.ui?.position?.[1]}`,
    );
    await page.keyboard.press('Control+Shift+z');
    await page.waitForFunction(
      `JSON.parse(localStorage.getItem('loom.editor.session')).graph.nodes.text.ui.position[1] !== ${before['text']?.ui?.position?.[1]}`,
    );

    await page.reload();
    await page.locator('[data-testid="group-title"]', { hasText: 'Prompt parts' }).waitFor();
    await node(page, 'text').waitFor();
    assert.equal(await page.locator('[data-testid="group"]').count(), 1);
    await browser.screenshot('graphs-01-group');

    await page.locator('[data-testid="group-delete"]').click();
    await page.locator('[data-testid="group"]').waitFor({ state: 'detached' });
    await page.waitForFunction(`!JSON.parse(localStorage.getItem('loom.editor.session')).graph.meta?.groups`);
    assert.equal(await pageValue<number>(page, 'window.loom.loom.nodes().length'), 6, 'deleting a group keeps its nodes');
    await node(page, 'join').waitFor();
  });

  test("a ComfyUI UI workflow's groups are drawn", async () => {
    const { page } = browser;
    const file = join(REPO, 'test/comfy-workflows/txt2img-ui.json');
    // The previous graph is unsaved: confirm the discard the import asks for.
    await page.locator('[data-testid="import-input"]').setInputFiles(file);
    await page
      .getByRole('button', { name: /discard|ok|yes/i })
      .first()
      .click();
    await page.locator('[data-testid="group-title"]', { hasText: 'Sampling' }).waitFor();
    assert.deepEqual((await page.locator('[data-testid="group-title"]').allTextContents()).sort(), ['Prompts', 'Sampling']);
  });

  test('a 1,000-node chain loads with only what is on screen as DOM, and runs to done', async () => {
    // A fresh profile: clearing localStorage in place races the previous graph's debounced autosave,
    // which could restore it (unsaved) and make the import ask to discard it.
    await browser.close();
    browser = await openBrowser(loom.url);
    const { page } = browser;
    await page.locator('[data-testid="cmd-queue"]').waitFor();
    await importGraph('chain.json', chainGraph(1000));
    assert.equal(await pageValue<number>(page, 'window.loom.loom.nodes().length'), 1000);
    // Fit shows the whole chain from far: boxes on the canvas, no node views.
    await page.waitForFunction(`document.querySelector('.canvas').classList.contains('lod-far')`);
    assert.equal(await page.locator('.loom-node:visible').count(), 0);
    // Far out a box is still a node: a click selects it, a drag moves it (one undo step), as on its DOM view.
    const position = `window.loom.loom.plugins.area.nodeViews.get('n500').position`;
    const start = await pageValue<{ x: number; y: number }>(page, `({ ...${position} })`);
    const at = await pageValue<{ x: number; y: number; k: number }>(
      page,
      `(() => { const { area, container } = window.loom.loom.plugins.area; const box = container.getBoundingClientRect(); const { x, y, k } = area.transform;
        return { x: box.left + x + (${start.x} + 130) * k, y: box.top + y + (${start.y} + 15) * k, k }; })()`,
    );
    await page.mouse.click(at.x, at.y);
    assert.deepEqual(await pageValue<string[]>(page, 'window.loom.loom.selected().map((n) => n.id)'), ['n500']);
    await page.mouse.move(at.x, at.y);
    await page.mouse.down();
    await page.mouse.move(at.x + 40, at.y + 20, { steps: 4 });
    await page.mouse.up();
    const moved = await pageValue<{ x: number; y: number }>(page, `({ ...${position} })`);
    assert.ok(Math.abs(moved.x - (start.x + 40 / at.k)) < 1 && Math.abs(moved.y - (start.y + 20 / at.k)) < 1, `n500 moved to ${JSON.stringify(moved)}`);
    await page.keyboard.press('Control+z');
    await page.waitForFunction(`${position}.x === ${start.x} && ${position}.y === ${start.y}`);
    // Zoomed in on the chain's start, its nodes are DOM again, and far ones are not.
    await page.evaluate(`(async () => { const area = window.loom.loom.plugins.area.area; await area.zoom(1, 0, 0); await area.translate(40, 40); })()`);
    await node(page, 'n1').waitFor();
    assert.equal(await node(page, 'n500').count(), 0, 'a node far off screen has no DOM view');
    await page.locator('[data-testid="cmd-queue"]').click();
    await page.locator('[data-testid="run-status"][data-phase="success"]').waitFor({ timeout: 200_000 });
    await node(page, 'n0')
      .locator('[data-testid="run-badge"]', { hasText: /done|cached/i })
      .waitFor();
    const history = (await (await fetch(`${loom.url}/loom/api/history?order=newest&limit=1`)).json()) as {
      items: { outputs: Record<string, { text?: string[] }> }[];
    };
    // Every 50th StringJoin appends its index: 50, 100, … 950.
    const expected = ['start', ...Array.from({ length: 19 }, (_, i) => String(50 * (i + 1)))].join('-');
    assert.deepEqual(history.items[0]?.outputs['n999']?.text, [expected]);
    await browser.screenshot('graphs-02-chain');
    assert.deepEqual(browser.errors, []);
  });
});
