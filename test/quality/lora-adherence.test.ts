/**
 * Adherence under a LoRA (issue 22) on ground truth: the generator's 60 styled labelled renders
 * (test/fixtures/loom-tiny-world) stand in for a LoRA's pictures and the 60 plain ones for the base,
 * so every figure here is known from the labels, not from a model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createChecker } from '../../tools/loom-tiny/quality/checker.ts';
import type { HeldOutPrompt } from '../../tools/loom-tiny/quality/held-out.ts';
import { readRgb } from '../../tools/loom-tiny/quality/image.ts';
import { LABELLED_DIR, loadLabels, type LabelledRender } from '../../tools/loom-tiny/quality/labelled.ts';
import { measureLoraAdherence } from '../../tools/loom-tiny/quality/lora-adherence.ts';
import type { StyleResult } from '../../tools/loom-tiny/quality/style-eval.ts';
import { loadWorld } from '../../tools/loom-tiny/quality/world.ts';

const world = loadWorld();
const labels = loadLabels();
const plain = labels.filter((l) => !l.style);
const styled = labels.filter((l) => l.style);
const scene = (l: LabelledRender): HeldOutPrompt => ({
  prompt: `${l.size} ${l.colour} ${l.shape} ${l.position}, ${world.style.tag}`,
  colour: l.colour,
  shape: l.shape,
  position: l.position,
  size: l.size,
});
const images = async (group: LabelledRender[]) => Promise.all(group.map((l) => readRgb(join(LABELLED_DIR, l.file))));

/** A style result whose base pictures are the plain renders and whose rank-16 pictures are the styled ones (same count). */
async function styleResult(): Promise<StyleResult> {
  const n = Math.min(plain.length, styled.length);
  const rank = { rank: 16, accuracy: 1, loraStyled: n, curve: [], monotonic: true, images: await images(styled.slice(0, n)) };
  return { prompts: styled.slice(0, n).map((l) => scene(l).prompt), base: { scores: [], styled: 0, images: await images(plain.slice(0, n)) }, ranks: [rank] };
}

test('styled pictures of the prompted scene adhere (the checker reads the styled world: ≥ 98% as checker.test.ts holds)', async () => {
  const style = await styleResult();
  const result = measureLoraAdherence(style, styled.map(scene), createChecker(world));
  const r16 = result.ranks[0]!;
  assert.equal(r16.rank, 16);
  assert.equal(r16.count, 60);
  assert.ok(r16.adherence >= 0.98, `${r16.adherence}: ${JSON.stringify(r16.misses.map((m) => m.prompt))}`);
  assert.equal(r16.misses.length, Math.round((1 - r16.adherence) * 60));
});

test('a picture of another scene is a miss that names the prompt and what the checker read', async () => {
  const style = await styleResult();
  // Expect every styled render's neighbour's scene: a colour differs wherever the neighbour's does.
  const shifted = styled.map((_, i) => scene(styled[(i + 1) % styled.length]!));
  const wrong = shifted.filter((s, i) => s.colour !== styled[i]!.colour || s.shape !== styled[i]!.shape || s.position !== styled[i]!.position).length;
  const result = measureLoraAdherence(style, shifted, createChecker(world));
  const r16 = result.ranks[0]!;
  assert.ok(wrong >= 40, `the fixture's neighbours differ in ${wrong} of 60`);
  assert.ok(r16.adherence <= 1 - wrong / 60 + 0.02, `adherence ${r16.adherence} with ${wrong} mismatched scenes`);
  const miss = r16.misses[0]!;
  assert.equal(miss.prompt, style.prompts[miss.index]);
  assert.ok(miss.detection.found);
});

test('the base series is judged on the same scenes, and a count mismatch is refused', async () => {
  const style = await styleResult();
  const result = measureLoraAdherence(style, plain.map(scene), createChecker(world));
  assert.ok(result.base.adherence >= 0.98, `plain renders of their own scenes: ${result.base.adherence}`);
  assert.throws(() => measureLoraAdherence(style, plain.slice(1).map(scene), createChecker(world)), /one scene per style prompt/);
});
