/**
 * The CI-sized loom-tiny quality check (issue 9): the same measurement as `npm run quality`, on
 * fewer pictures. Pictures are rendered by Loom (engine + node pack on onnxruntime-node) and read by
 * the checker, which checker.test.ts validates against the generator's labelled renders.
 * Skips, saying why, when models/loom-tiny or its LoRAs are not there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { measureAdherence } from '../../tools/loom-tiny/quality/adherence.ts';
import { createChecker, describeDetection } from '../../tools/loom-tiny/quality/checker.ts';
import { loadHeldOut } from '../../tools/loom-tiny/quality/held-out.ts';
import { measureLoraAdherence } from '../../tools/loom-tiny/quality/lora-adherence.ts';
import { createRenderer, loraName } from '../../tools/loom-tiny/quality/render.ts';
import { measureRoundTrip } from '../../tools/loom-tiny/quality/roundtrip.ts';
import { measureStyle } from '../../tools/loom-tiny/quality/style-eval.ts';
import { loadWorld } from '../../tools/loom-tiny/quality/world.ts';

/** Held-out prompts rendered for adherence, and the share that must show colour, shape and position right (the issue's bar). */
const ADHERENCE_PROMPTS = 40;
const ADHERENCE_BAR = 0.9;
/**
 * Share of the 120 labelled renders whose colour, shape and position survive the VAE's round trip:
 * 91.7% measured; the decoder before stage vae-edges kept 85.8% and fails here.
 */
const ROUND_TRIP_BAR = 0.88;
/** Prompts for the style check on the rank-16 LoRA, and the metric's accuracy bar at strength 1. */
const STYLE_PROMPTS = 10;
const STYLE_RANK = 16;
const STYLE_BAR = 0.95;
/** Share of those LoRA pictures at strength 1 whose colour, shape and position are the prompt's (issue 22's bar: a style LoRA keeps the subject). */
const LORA_ADHERENCE_BAR = 0.9;

const modelsDir = fileURLToPath(new URL('../../models/', import.meta.url));
const missingModel = existsSync(`${modelsDir}loom-tiny/model_index.json`) ? false : `models/loom-tiny is missing (train and export it with tools/loom-tiny/train.py)`;
const missingLora = missingModel || (existsSync(`${modelsDir}loras/${loraName(STYLE_RANK)}`) ? false : `models/loras/${loraName(STYLE_RANK)} is missing`);

const world = loadWorld();
const heldOut = loadHeldOut();
const renderer = missingModel ? undefined : createRenderer({ host: { modelsDir, device: 'cpu' } });

test(`loom-tiny follows ≥ ${ADHERENCE_BAR * 100}% of ${ADHERENCE_PROMPTS} held-out prompts (colour, shape and position)`, { skip: missingModel }, async () => {
  const result = await measureAdherence(renderer!, createChecker(world), heldOut.slice(0, ADHERENCE_PROMPTS));
  const misses = result.cases.filter((c) => !c.adheres).map((c) => `#${c.index} "${c.expected.prompt}": ${describeDetection(c.detection)}`);
  const summary = `adherence ${result.adherence}, per attribute ${JSON.stringify(result.perAttribute)}`;
  assert.ok(result.adherence >= ADHERENCE_BAR, `${summary}\n${misses.join('\n')}`);
});

test(`the VAE keeps colour, shape and position of ≥ ${ROUND_TRIP_BAR * 100}% of the labelled renders through encode and decode`, { skip: missingModel }, async () => {
  const result = await measureRoundTrip(createChecker(world), { host: { modelsDir, device: 'cpu' } });
  const misses = result.cases.filter((c) => !c.adheres).map((c) => `${c.label.file} (${c.label.size} ${c.label.colour} ${c.label.shape} ${c.label.position}): ${describeDetection(c.detection)}`);
  assert.equal(result.count, 120);
  assert.ok(result.adherence >= ROUND_TRIP_BAR, `round trip ${result.adherence}, per attribute ${JSON.stringify(result.perAttribute)}\n${misses.join('\n')}`);
});

const scenes = heldOut.slice(0, STYLE_PROMPTS);
/** The style check's renders, shared by the style test and the adherence-under-LoRA test. */
let styleRun: ReturnType<typeof measureStyle> | undefined;
const styleResult = (): ReturnType<typeof measureStyle> =>
  (styleRun ??= measureStyle(renderer!, world, scenes.map((p) => `${p.prompt}, ${world.style.tag}`), { ranks: [STYLE_RANK], strengths: [0, 0.5, 1] }));

test(`the style metric tells LoRA rank ${STYLE_RANK} from base on ≥ ${STYLE_BAR * 100}% of ${STYLE_PROMPTS} prompts and rises with strength`, { skip: missingLora }, async () => {
  const result = await styleResult();
  const rank = result.ranks[0]!;
  const curve = rank.curve.map((p) => `${p.strength}: ${p.mean.toFixed(3)}`).join(', ');
  assert.ok(rank.accuracy >= STYLE_BAR, `accuracy ${rank.accuracy} (base styled ${result.base.styled}, LoRA styled ${rank.loraStyled} of ${STYLE_PROMPTS})`);
  assert.ok(rank.monotonic, `means by strength: ${curve}`);
  // Strength 0 through LoRALoader is the base model: the same pictures, so the same scores.
  assert.deepEqual(rank.curve[0]!.scores, result.base.scores);
});

test(
  `≥ ${LORA_ADHERENCE_BAR * 100}% of LoRA rank ${STYLE_RANK}'s pictures at strength 1 keep the prompt's colour, shape and position`,
  // A todo, not a skip: it runs and reports. The committed LoRAs miss it (rank 16 keeps 7 of these 10;
  // tools/loom-tiny/quality/README.md); drop the todo when retrained LoRAs meet issue 22's bar.
  { skip: missingLora, todo: 'issue 22: the committed style LoRAs change the subject\'s colour' },
  async () => {
    const kept = measureLoraAdherence(await styleResult(), scenes, createChecker(world)).ranks[0]!;
    assert.ok(kept.adherence >= LORA_ADHERENCE_BAR, `adherence through the LoRA ${kept.adherence}: ${kept.misses.map((m) => `#${m.index} "${m.prompt}": ${describeDetection(m.detection)}`).join('; ')}`);
  },
);
