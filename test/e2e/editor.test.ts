/**
 * The editor end to end, in headless Chromium against the real server on the tiny SD1.5 model: build
 * txt2img from an empty canvas with the mouse and run it, save and reload it as a template, refuse a
 * mismatched link, run a stored template, drop a result PNG to get its graph back, cancel a run.
 * The cases run in order and share one browser page, like one user session. Screenshots of the key
 * states go to test/e2e/screenshots/.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openBrowser, chromiumMissing, type Browser } from './helpers/browser.ts';
import { ensureEditorBuilt, REPO } from './helpers/build-editor.ts';
import { addNodeWithMenu, dragging, dragLink, links, node, openTemplate, pageValue, settled, settledInputValue, zoomOutTo } from './helpers/canvas.ts';
import { startLoom, type LoomProcess } from './helpers/loom-process.ts';
import { pngSize } from './helpers/png.ts';

const skip = chromiumMissing();
const PROMPT = 'a lighthouse on a cliff at dusk, e2e';
/** The links of ComfyUI's default txt2img, in our node and port names. */
const TXT2IMG_LINKS = [
  'emptyLatent.latent->unetSampler.latent',
  'modelLoader.clip->textEncoder.clip',
  'modelLoader.clip->textEncoder2.clip',
  'modelLoader.model->unetSampler.model',
  'modelLoader.vae->vaeDecode.vae',
  'textEncoder.conditioning->unetSampler.positive',
  'textEncoder2.conditioning->unetSampler.negative',
  'unetSampler.latent->vaeDecode.latent',
  'vaeDecode.images->saveImage.images',
];

describe('editor in a real browser', { skip: skip ?? false, timeout: 360_000 }, () => {
  let loom: LoomProcess;
  let browser: Browser;

  before(async () => {
    ensureEditorBuilt();
    loom = await startLoom(['tiny-sd15-txt2img', 'loom-tiny-txt2img']);
    browser = await openBrowser(loom.url);
    await browser.page.locator('[data-testid="cmd-queue"]').waitFor();
  });

  after(async () => {
    await browser?.close();
    await loom?.stop();
  });

  test('a first visit opens the default template', async () => {
    const { page } = browser;
    await node(page, 'sampler').waitFor();
    await page.locator('[data-testid="doc-name"]', { hasText: 'loom-tiny txt2img' }).waitFor();
    assert.equal(await node(page, 'loader').getByLabel('ModelLoader.pipeline').inputValue(), 'loom-tiny');
    await page.getByTestId('cmd-new').click();
    await page.locator('[data-testid="node"]').first().waitFor({ state: 'detached' });
    // The next case places nodes with the mouse: let the "Loaded" message go first.
    await page.locator('[data-testid="toast"]').first().waitFor({ state: 'detached', timeout: 10_000 });
  });

  test('builds txt2img from an empty canvas with the mouse, runs it, shows progress and the image', async () => {
    const { page } = browser;
    await browser.screenshot('01-empty');
    assert.equal(await page.locator('[data-testid="node"]').count(), 0);
    await zoomOutTo(page, 0.6, { x: 600, y: 420 });
    const placements: [string, number, number][] = [
      ['ModelLoader', 235, 110],
      ['TextEncoder', 420, 60],
      ['TextEncoder', 420, 205],
      ['EmptyLatent', 420, 350],
      ['UNetSampler', 620, 60],
      ['VAEDecode', 815, 60],
      ['SaveImage', 815, 240],
    ];
    for (const [type, x, y] of placements) await addNodeWithMenu(page, type, x, y);
    assert.equal(await page.locator('[data-testid="node"]').count(), 7);

    await dragLink(page, ['modelLoader', 'clip'], ['textEncoder', 'clip']);
    await dragLink(page, ['modelLoader', 'clip'], ['textEncoder2', 'clip']);
    await dragLink(page, ['modelLoader', 'model'], ['unetSampler', 'model']);
    await dragLink(page, ['textEncoder', 'conditioning'], ['unetSampler', 'positive']);
    await dragLink(page, ['textEncoder2', 'conditioning'], ['unetSampler', 'negative']);
    await dragLink(page, ['emptyLatent', 'latent'], ['unetSampler', 'latent']);
    // Drag the other way round too: from an input back to an output.
    await dragLink(page, ['unetSampler', 'latent'], ['vaeDecode', 'latent']);
    await dragLink(page, ['modelLoader', 'vae'], ['vaeDecode', 'vae']);
    await dragLink(page, ['vaeDecode', 'images'], ['saveImage', 'images']);
    assert.deepEqual(await settled(() => links(page), TXT2IMG_LINKS), TXT2IMG_LINKS);

    await node(page, 'textEncoder').locator('textarea').click();
    await page.keyboard.type(PROMPT);
    await node(page, 'textEncoder2').locator('textarea').click();
    await page.keyboard.type('blurry');
    // Enough steps that the step bar is on screen for a while (the tiny UNet takes 10-30 ms a step).
    await node(page, 'unetSampler').getByLabel('UNetSampler.steps').fill('200');
    await page.locator('[data-testid="unsaved"]').waitFor();
    await page.locator('[data-testid="cmd-fit"]').click();
    await browser.screenshot('02-built');

    await page.locator('[data-testid="cmd-queue"]').click();
    // The bar lives only while the sampler runs: read it in the same frame it is seen.
    const bar = await page.waitForFunction(`document.querySelector('[data-node-id="unetSampler"] [data-testid="node-progress"]')?.textContent || false`, null, {
      polling: 'raf',
      timeout: 30_000,
    });
    assert.match(String(await bar.jsonValue()), /^\d+\/200$/);
    await browser.screenshot('03-running');
    const image = node(page, 'saveImage').locator('[data-testid="node-image"]');
    await image.waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="run-status"][data-phase="success"]').waitFor();
    assert.equal(
      await node(page, 'unetSampler')
        .locator('[data-testid="run-badge"]')
        .textContent()
        .then((t) => t?.startsWith('done')),
      true,
    );
    // The saved PNG has the size the EmptyLatent node asks for.
    const src = (await image.getAttribute('src')) ?? '';
    const png = Buffer.from(await (await fetch(new URL(src, loom.url))).arrayBuffer());
    const width = Number(await node(page, 'emptyLatent').getByLabel('EmptyLatent.width').inputValue());
    const height = Number(await node(page, 'emptyLatent').getByLabel('EmptyLatent.height').inputValue());
    assert.deepEqual(pngSize(png), { width, height });
    await page.locator('[data-testid="gallery-image"]').first().waitFor();
    await browser.screenshot('04-result');
  });

  test('saves the graph as a template and loads it back after a reload', async () => {
    const { page } = browser;
    await page.locator('[data-testid="cmd-save-as"]').click();
    await page.getByTestId('save-as-name').fill('e2e-built');
    await page.getByTestId('save-as-title').fill('Built in the browser');
    await page.getByTestId('save-as-submit').click();
    await page.locator('[data-testid="toast"]', { hasText: 'Saved graphs/e2e-built.json' }).waitFor();
    await page.locator('[data-testid="unsaved"]').waitFor({ state: 'detached' });
    const file = join(loom.dirs.graphs, 'e2e-built.json');
    assert.ok(existsSync(file));
    const saved = JSON.parse(readFileSync(file, 'utf8')) as {
      meta: { title: string };
      nodes: Record<string, { type: string; inputs: Record<string, unknown> }>;
    };
    assert.equal(saved.meta.title, 'Built in the browser');
    assert.deepEqual(Object.keys(saved.nodes).sort(), ['emptyLatent', 'modelLoader', 'saveImage', 'textEncoder', 'textEncoder2', 'unetSampler', 'vaeDecode']);
    assert.equal(saved.nodes.textEncoder?.inputs.text, PROMPT);
    assert.equal(saved.nodes.unetSampler?.inputs.steps, 200);
    assert.deepEqual(saved.nodes.unetSampler?.inputs.positive, { node: 'textEncoder', output: 'conditioning' });

    await page.reload();
    await openTemplate(page, 'e2e-built');
    await page.locator('[data-testid="node"]').nth(6).waitFor();
    assert.equal(await page.locator('[data-testid="node"]').count(), 7);
    assert.deepEqual(await settled(() => links(page), TXT2IMG_LINKS), TXT2IMG_LINKS);
    assert.equal(await node(page, 'textEncoder').locator('textarea').inputValue(), PROMPT);
    // The header shows the title; the file name is its tooltip.
    await page.locator('[data-testid="doc-name"]', { hasText: 'Built in the browser' }).waitFor();
    assert.equal(await page.getByTestId('doc-name').getAttribute('title'), 'graphs/e2e-built.json');
    await browser.screenshot('05-template-reloaded');
  });

  test('refuses a type-mismatched link and says why', async () => {
    const { page } = browser;
    const before = await links(page);
    await dragLink(page, ['vaeDecode', 'images'], ['unetSampler', 'latent']);
    const message = page.locator('[data-testid="toast"]', { hasText: 'Cannot connect' });
    await message.waitFor();
    const text = (await message.textContent()) ?? '';
    assert.match(text, /VAEDecode\.images \(IMAGE\)/);
    assert.match(text, /UNetSampler\.latent \(LATENT\)/);
    await page.waitForFunction(`![...document.querySelectorAll('[data-testid="connection"]')].some((c) => !c.dataset.target)`);
    assert.equal(await dragging(page), false, 'the refused link does not stay on the pointer');
    assert.deepEqual(await links(page), before, 'a refused drop leaves the existing links alone');
    await browser.screenshot('06-refused-link');
  });

  test('loads a stored template and runs it', async () => {
    const { page } = browser;
    const imagesBefore = await page.locator('[data-testid="gallery-image"]').count();
    await openTemplate(page, 'tiny-sd15-txt2img');
    await page.locator('[data-testid="node"]').nth(6).waitFor();
    assert.deepEqual(await pageValue<string[]>(page, `[...document.querySelectorAll('[data-testid="node"]')].map((n) => n.dataset.nodeId).sort()`), [
      'decode',
      'latent',
      'loader',
      'negative',
      'positive',
      'sampler',
      'save',
    ]);
    await page.locator('[data-testid="cmd-queue"]').click();
    await node(page, 'save').locator('[data-testid="node-image"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="run-status"][data-phase="success"]').waitFor();
    await page.waitForFunction(`document.querySelectorAll('[data-testid="gallery-image"]').length > ${imagesBefore}`);
    await browser.screenshot('07-template-run');
  });

  test('drops a result PNG and gets its graph back', async () => {
    const { page } = browser;
    // The first test's image: its embedded workflow is the graph built by hand.
    const history = (await (await fetch(`${loom.url}/loom/api/history?order=oldest&limit=1`)).json()) as {
      items: { outputs: Record<string, { images: { filename: string }[] }> }[];
    };
    const filename = history.items[0]?.outputs.saveImage?.images[0]?.filename;
    assert.ok(filename, 'the first run saved an image');
    const png = Buffer.from(await (await fetch(`${loom.url}/view?filename=${encodeURIComponent(filename)}&type=output`)).arrayBuffer());
    const transfer = await page.evaluateHandle(
      `(() => { const t = new DataTransfer(); const b = Uint8Array.from(atob(${JSON.stringify(png.toString('base64'))}), (c) => c.charCodeAt(0)); t.items.add(new File([b], ${JSON.stringify(filename)}, { type: 'image/png' })); return t; })()`,
    );
    const canvas = page.getByTestId('canvas');
    await canvas.dispatchEvent('dragover', { dataTransfer: transfer });
    await canvas.dispatchEvent('drop', { dataTransfer: transfer });
    await node(page, 'unetSampler').waitFor();
    assert.deepEqual(await settled(() => links(page), TXT2IMG_LINKS), TXT2IMG_LINKS);
    assert.equal(await node(page, 'textEncoder').locator('textarea').inputValue(), PROMPT);
    assert.equal(await node(page, 'unetSampler').getByLabel('UNetSampler.steps').inputValue(), '200');
    await page.locator('[data-testid="doc-name"]', { hasText: `●${filename.replace(/\.png$/, '')}` }).waitFor();
    await browser.screenshot('08-png-dropped');
  });

  test('cancels a running prompt', async () => {
    const { page } = browser;
    // A long run: 1000 steps on a 32×32 latent take about a minute on the tiny UNet.
    await node(page, 'unetSampler').getByLabel('UNetSampler.steps').fill('1000');
    await node(page, 'emptyLatent').getByLabel('EmptyLatent.width').fill('256');
    await node(page, 'emptyLatent').getByLabel('EmptyLatent.height').fill('256');
    await page.locator('[data-testid="cmd-queue"]').click();
    const bar = node(page, 'unetSampler').locator('[data-testid="node-progress"]');
    await bar.waitFor({ timeout: 30_000 });
    await browser.screenshot('09-before-cancel');
    await page.locator('[data-testid="cmd-cancel"]').click();
    await page.locator('[data-testid="run-status"][data-phase="interrupted"]').waitFor({ timeout: 15_000 });
    await bar.waitFor({ state: 'detached' });
    const steps = await pageValue<number>(
      page,
      `Number(document.querySelector('[data-node-id="unetSampler"] [data-testid="node-progress"]')?.textContent?.split('/')[0] ?? -1)`,
    );
    assert.equal(steps, -1, 'no step bar after the cancel');
    const history = (await (await fetch(`${loom.url}/loom/api/history?limit=1`)).json()) as { items: { outcome: string }[] };
    assert.equal(history.items[0]?.outcome, 'interrupted');
    await page.locator('[data-testid="history-item"].interrupted').first().waitFor();
    await browser.screenshot('10-cancelled');
  });

  test('marks every validation problem on its node and input, and undoes edits', async () => {
    const { page } = browser;
    const historyBefore = await page.locator('[data-testid="history-item"]').count();
    await page.getByTestId('cmd-new').click();
    await page.getByTestId('confirm-ok').click();
    await page.locator('[data-testid="node"]').first().waitFor({ state: 'detached' });
    for (const type of ['SaveImage', 'TextEncoder', 'EmptyLatent']) await page.getByTestId(`palette-${type}`).click();
    await node(page, 'emptyLatent').getByLabel('EmptyLatent.width').fill('4');
    await page.getByTestId('cmd-queue').click();
    await page.locator('[data-testid="run-status"][data-phase="error"]').waitFor();
    const problemAt = (id: string, input: string) => node(page, id).locator(`[data-input="${input}"] [data-testid="node-problems"]`);
    await problemAt('saveImage', 'images').waitFor();
    await problemAt('textEncoder', 'clip').waitFor();
    await problemAt('emptyLatent', 'width').waitFor();
    assert.match((await problemAt('emptyLatent', 'width').textContent()) ?? '', /8/, 'the width problem gives the minimum');
    assert.match((await page.getByTestId('run-message').textContent()) ?? '', /^3 problems/);
    assert.equal(await page.locator('[data-testid="history-item"]').count(), historyBefore, 'nothing was submitted');
    await browser.screenshot('11-validation-problems');

    // Undo the width edit, then the last node; redo brings the node back.
    await page.mouse.click(300, 700);
    await page.keyboard.press('Control+z');
    assert.equal(await settledInputValue(node(page, 'emptyLatent').getByLabel('EmptyLatent.width'), '64'), '64');
    await page.keyboard.press('Control+z');
    await node(page, 'emptyLatent').waitFor({ state: 'detached' });
    await page.keyboard.press('Control+Shift+z');
    await node(page, 'emptyLatent').waitFor();
    // Select by clicking the title, delete with the keyboard.
    await node(page, 'saveImage').locator('.node-title').click();
    await page.keyboard.press('Delete');
    await node(page, 'saveImage').waitFor({ state: 'detached' });
    assert.equal(await page.locator('[data-testid="node"]').count(), 2);
  });

  test('drops a ComfyUI API-format JSON and runs it', async () => {
    const { page } = browser;
    // ComfyUI's stock text-to-image graph ("Save (API Format)"), pointed at the tiny model.
    const prompt = {
      '3': {
        class_type: 'KSampler',
        inputs: {
          seed: 7,
          steps: 8,
          cfg: 8,
          sampler_name: 'euler',
          scheduler: 'normal',
          denoise: 1,
          model: ['4', 0],
          positive: ['6', 0],
          negative: ['7', 0],
          latent_image: ['5', 0],
        },
      },
      '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'tiny-sd15' } },
      '5': { class_type: 'EmptyLatentImage', inputs: { width: 64, height: 64, batch_size: 1 } },
      '6': { class_type: 'CLIPTextEncode', inputs: { text: 'comfy api prompt', clip: ['4', 1] } },
      '7': { class_type: 'CLIPTextEncode', inputs: { text: 'text, watermark', clip: ['4', 1] } },
      '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
      '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'ComfyUI', images: ['8', 0] } },
    };
    const transfer = await page.evaluateHandle(
      `(() => { const t = new DataTransfer(); t.items.add(new File([${JSON.stringify(JSON.stringify(prompt))}], 'workflow_api.json', { type: 'application/json' })); return t; })()`,
    );
    await page.getByTestId('canvas').dispatchEvent('drop', { dataTransfer: transfer });
    // The previous case left unsaved edits: the drop asks before replacing them.
    await page.getByTestId('confirm-ok').click();
    await node(page, '3').waitFor();
    assert.equal(await node(page, '3').getAttribute('data-node-type'), 'KSampler', 'KSampler keeps ComfyUI semantics');
    const comfyLinks = [
      '3.latent->8.latent',
      '4.clip->6.clip',
      '4.clip->7.clip',
      '4.model->3.model',
      '4.vae->8.vae',
      '5.latent->3.latentImage',
      '6.conditioning->3.positive',
      '7.conditioning->3.negative',
      '8.images->9.images',
    ];
    assert.deepEqual(await settled(() => links(page), comfyLinks), comfyLinks);
    assert.equal(await node(page, '3').getByLabel('KSampler.samplerName').inputValue(), '0', 'euler, the first sampler');
    assert.equal(await node(page, '5').getByLabel('EmptyLatent.batchSize').inputValue(), '1');
    await page.getByTestId('cmd-queue').click();
    await node(page, '9').locator('[data-testid="node-image"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="run-status"][data-phase="success"]').waitFor();
    await browser.screenshot('12-comfy-json-run');
  });

  test("shows a failing node's error on the node", async () => {
    const { page } = browser;
    const prompt = {
      '1': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'no-such-model' } },
      '2': { class_type: 'EmptyLatentImage', inputs: { width: 64, height: 64, batch_size: 1 } },
      '3': { class_type: 'VAEDecode', inputs: { samples: ['2', 0], vae: ['1', 2] } },
      '4': { class_type: 'PreviewImage', inputs: { images: ['3', 0] } },
    };
    const transfer = await page.evaluateHandle(
      `(() => { const t = new DataTransfer(); t.items.add(new File([${JSON.stringify(JSON.stringify(prompt))}], 'broken_api.json', { type: 'application/json' })); return t; })()`,
    );
    await page.getByTestId('canvas').dispatchEvent('drop', { dataTransfer: transfer });
    await page.getByTestId('confirm-ok').click();
    await node(page, '4').waitFor();
    await page.getByTestId('cmd-queue').click();
    const error = node(page, '1').locator('[data-testid="node-error"]');
    await error.waitFor({ timeout: 30_000 });
    assert.match((await error.textContent()) ?? '', /no-such-model/);
    assert.equal(await node(page, '1').locator('[data-testid="run-badge"]').textContent(), 'error');
    await page.locator('[data-testid="run-status"][data-phase="error"]').waitFor();
    await browser.screenshot('13-node-error');
  });

  test('double-click on the canvas opens the search, which knows ComfyUI names and says when nothing matches', async () => {
    const { page } = browser;
    const box = await page.getByTestId('canvas').boundingBox();
    assert.ok(box);
    // An empty spot: the top-left corner of the canvas, well away from the fitted nodes' centre.
    await page.getByTestId('cmd-fit').click();
    await page.mouse.dblclick(box.x + 12, box.y + 12);
    const menu = page.getByTestId('context-menu');
    await menu.waitFor();
    await menu.locator('input').fill('EmptyLatentImage');
    await page.getByTestId('menu-item-EmptyLatent').waitFor();
    await menu.locator('input').fill('zzzz-no-such-node');
    await menu.locator('.menu-empty', { hasText: 'No node matches' }).waitFor();
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
  });

  test('the queue panel lists three jobs with their title and owner, and cancels the middle one alone', async () => {
    const { page } = browser;
    await openTemplate(page, 'tiny-sd15-txt2img', 'always');
    await node(page, 'sampler').waitFor();
    // The first job is long enough that the other two wait behind it (a 192×192 step takes 20-40 ms
    // on the tiny UNet); the last one is short, so it finishes soon after the first is interrupted.
    const steps = node(page, 'sampler').getByLabel('UNetSampler.steps');
    await node(page, 'latent').getByLabel('EmptyLatent.width').fill('192');
    await node(page, 'latent').getByLabel('EmptyLatent.height').fill('192');
    await steps.fill('400');
    const jobs = page.getByTestId('queue-job');
    await page.getByTestId('cmd-queue').click();
    await jobs.first().waitFor();
    await steps.fill('12');
    await page.getByTestId('cmd-queue').click();
    await page.getByTestId('cmd-queue').click();
    await page.waitForFunction(`document.querySelectorAll('[data-testid="queue-job"]').length === 3`);
    const ids = await jobs.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-prompt-id') ?? ''));
    assert.equal(await jobs.first().getAttribute('data-status'), 'running');
    assert.match((await jobs.first().textContent()) ?? '', /#\d+ Tiny SD1\.5 txt2img.*this tab/);
    await jobs.first().getByTestId('queue-job-progress').waitFor();
    await browser.screenshot('14-queue-three');

    // Cancel the middle job: only it leaves; the last one is still pending behind the running one.
    await jobs.nth(1).getByTestId('queue-job-cancel').click();
    await page.waitForFunction(`document.querySelectorAll('[data-testid="queue-job"]').length === 2`);
    assert.deepEqual(await jobs.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-prompt-id') ?? '')), [ids[0], ids[2]]);
    await page.locator('[data-testid="toast"]', { hasText: /^Removed #\d+ Tiny SD1\.5 txt2img from the queue/ }).waitFor();
    const running = (await jobs.first().locator('.job-name').textContent()) ?? '';
    assert.ok(((await page.getByTestId('run-message').textContent()) ?? '').includes(running), `the status line still names the running job, ${running}`);

    // The running job is interrupted from its row; the last one then runs to the end.
    await jobs.first().getByTestId('queue-job-cancel').click();
    await page.waitForFunction(`document.querySelectorAll('[data-testid="queue-job"]').length === 0`, null, { timeout: 60_000 });
    const outcomes = async () => {
      const history = (await (await fetch(`${loom.url}/loom/api/history?limit=20`)).json()) as { items: { promptId: string; outcome: string }[] };
      return Object.fromEntries(history.items.map((i) => [i.promptId, i.outcome]));
    };
    const byId = await outcomes();
    assert.equal(byId[ids[0]!], 'interrupted');
    assert.equal(byId[ids[1]!], undefined, 'the cancelled pending job never ran');
    assert.equal(byId[ids[2]!], 'success');
    await page.locator('[data-testid="run-status"][data-phase="success"]').waitFor();
    assert.match((await page.getByTestId('run-message').textContent()) ?? '', /^Finished #\d+ Tiny SD1\.5 txt2img/);
  });

  test('a finished job reopens with its graph and outputs, and a reload restores the unsaved graph', async () => {
    const { page } = browser;
    await page.getByTestId('history-open').first().click();
    await page.getByTestId('confirm-ok').click();
    await node(page, 'save').locator('[data-testid="node-image"]').waitFor();
    assert.equal(await node(page, 'sampler').getByLabel('UNetSampler.steps').inputValue(), '12');

    await node(page, 'sampler').getByLabel('UNetSampler.steps').fill('17');
    await page.locator('[data-testid="unsaved"]').waitFor();
    await page.waitForTimeout(300); // the autosave follows edits after a short debounce
    await page.reload();
    await node(page, 'sampler').waitFor();
    assert.equal(await settledInputValue(node(page, 'sampler').getByLabel('UNetSampler.steps'), '17'), '17');
    await page.locator('[data-testid="unsaved"]').waitFor();
  });

  test('mute, bypass, collapse and colour save with the graph and come back; Ctrl+Z undoes them', async () => {
    const { page } = browser;
    await node(page, 'negative').locator('.node-title').click();
    await page.keyboard.press('Control+m');
    await page.locator('[data-node-id="negative"][data-mode="mute"]').waitFor();
    await page.keyboard.press('Control+b');
    await page.locator('[data-node-id="negative"][data-mode="bypass"]').waitFor();
    await page.keyboard.press('Control+b');
    await page.locator('[data-node-id="negative"]:not([data-mode])').waitFor();
    await page.keyboard.press('Control+z');
    await page.locator('[data-node-id="negative"][data-mode="bypass"]').waitFor();
    await node(page, 'positive').getByTestId('node-collapse').click();
    await node(page, 'positive').locator('textarea').waitFor({ state: 'detached' });
    await node(page, 'save').click({ button: 'right', position: { x: 40, y: 10 } });
    await page.getByTestId('menu-item-color-purple').click();
    await page.getByTestId('cmd-save-as').click();
    await page.getByTestId('save-as-name').fill('e2e-modes');
    await page.getByTestId('save-as-submit').click();
    await page.locator('[data-testid="toast"]', { hasText: 'Saved graphs/e2e-modes.json' }).waitFor();
    const saved = JSON.parse(readFileSync(join(loom.dirs.graphs, 'e2e-modes.json'), 'utf8')) as {
      nodes: Record<string, { mode?: string; ui?: Record<string, unknown> }>;
    };
    assert.equal(saved.nodes.negative?.mode, 'bypass');
    assert.equal(saved.nodes.positive?.ui?.collapsed, true);
    assert.equal(saved.nodes.save?.ui?.color, 'purple');
    await page.getByTestId('cmd-new').click();
    await page.locator('[data-testid="node"]').first().waitFor({ state: 'detached' });
    await openTemplate(page, 'e2e-modes');
    await page.locator('[data-node-id="negative"][data-mode="bypass"]').waitFor();
    assert.equal(await node(page, 'positive').locator('textarea').count(), 0, 'still collapsed');
  });

  test('live previews on loom-tiny show the colour the final picture has', async () => {
    const { page } = browser;
    await openTemplate(page, 'loom-tiny-txt2img', 'if-asked');
    await node(page, 'sampler').waitFor();
    await node(page, 'positive').locator('textarea').fill('a large red circle in the center');
    // The dominant hue of a picture: the circular mean hue of its saturated pixels (paper and ink left out).
    await page.evaluate(`(() => {
      window.hueOf = (img) => {
        const c = document.createElement('canvas');
        c.width = img.naturalWidth; c.height = img.naturalHeight;
        const g = c.getContext('2d'); g.drawImage(img, 0, 0);
        const d = g.getImageData(0, 0, c.width, c.height).data;
        let x = 0, y = 0, n = 0;
        for (let i = 0; i < d.length; i += 4) {
          const r = d[i] / 255, gr = d[i + 1] / 255, b = d[i + 2] / 255;
          const max = Math.max(r, gr, b), min = Math.min(r, gr, b);
          if (max < 0.2 || (max - min) / max < 0.35) continue;
          const h = max === r ? ((gr - b) / (max - min)) % 6 : max === gr ? (b - r) / (max - min) + 2 : (r - gr) / (max - min) + 4;
          x += Math.cos((h * Math.PI) / 3); y += Math.sin((h * Math.PI) / 3); n++;
        }
        return n === 0 ? null : ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
      };
      window.previewHues = [];
      new MutationObserver(() => {
        const img = document.querySelector('[data-node-id="sampler"] .node-preview img');
        if (!img || img.src === window.lastPreview) return;
        window.lastPreview = img.src;
        const copy = new Image();
        copy.onload = () => window.previewHues.push(window.hueOf(copy));
        copy.src = img.src;
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    })()`);
    await page.getByTestId('cmd-queue').click();
    const image = node(page, 'save').locator('[data-testid="node-image"]');
    await image.waitFor({ timeout: 60_000 });
    await node(page, 'sampler').getByTestId('node-preview').waitFor({ state: 'detached' }); // no stale preview after the run
    const finalHue = await pageValue<number | null>(page, `window.hueOf(document.querySelector('[data-node-id="save"] [data-testid="node-image"]'))`);
    const hues = await pageValue<(number | null)[]>(page, 'window.previewHues');
    const lastPreview = hues.filter((h) => h !== null).at(-1);
    assert.ok(finalHue !== null && lastPreview !== undefined && lastPreview !== null, `hues: final ${finalHue}, previews ${JSON.stringify(hues)}`);
    const gap = Math.min(Math.abs(finalHue - lastPreview), 360 - Math.abs(finalHue - lastPreview));
    assert.ok(gap < 40, `the last preview's hue ${lastPreview.toFixed(0)}° is within 40° of the picture's ${finalHue.toFixed(0)}°`);
    assert.ok(finalHue < 30 || finalHue > 330, `the picture is red (${finalHue.toFixed(0)}°)`);
  });

  test('drops a ComfyUI UI workflow (groups, reroutes, a primitive) and runs it', async () => {
    const { page } = browser;
    const workflow = readFileSync(join(REPO, 'test/comfy-workflows/txt2img-ui.json'), 'utf8');
    const transfer = await page.evaluateHandle(
      `(() => { const t = new DataTransfer(); t.items.add(new File([${JSON.stringify(workflow)}], 'workflow.json', { type: 'application/json' })); return t; })()`,
    );
    await page.getByTestId('canvas').dispatchEvent('drop', { dataTransfer: transfer });
    await page
      .getByTestId('confirm-ok')
      .click()
      .catch(() => undefined);
    await node(page, '3').waitFor();
    assert.equal(await node(page, '3').getAttribute('data-node-type'), 'KSampler');
    assert.equal(
      await page.locator('[data-node-type="Reroute"], [data-node-type="PrimitiveNode"], [data-node-type="Note"]').count(),
      0,
      'frontend-only nodes are resolved away',
    );
    await page.getByTestId('cmd-queue').click();
    await node(page, '9').locator('[data-testid="node-image"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="run-status"][data-phase="success"]').waitFor();
  });

  test('logged no console errors', () => {
    assert.deepEqual(browser.errors, []);
  });
});
