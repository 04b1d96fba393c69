import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { pictureSet } from './picture-set.ts';
import { readPipeline } from './pipeline.ts';
import {
  colourCharts,
  encodedPairs,
  FAMILY_FACTORS,
  fitPreviewFactors,
  leastSquares,
  previewColour,
  readPreviewFactors,
  type PreviewFactors,
} from './preview-factors.ts';

const REPO = join(import.meta.dirname, '../../../..');
const WORLD = join(REPO, 'test/fixtures/loom-tiny-world');

test('least squares recovers an exact linear map with bias', () => {
  // y = 2a − b + 3 and y' = −a + 0.5b, sampled on a small grid (worked by hand: the fit is exact).
  const X = [
    [0, 0, 1],
    [1, 0, 1],
    [0, 1, 1],
    [1, 1, 1],
    [2, 3, 1],
  ];
  const Y = X.map(([a, b]) => [2 * a! - b! + 3, -a! + 0.5 * b!]);
  const B = leastSquares(X, Y);
  const expected = [
    [2, -1],
    [-1, 0.5],
    [3, 0],
  ];
  B.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - expected[i]![j]!) < 1e-9, `B[${i}][${j}] = ${v}`)));
});

async function open(model: string) {
  return { session: await ort.InferenceSession.create(model), model };
}

function rmse(factors: PreviewFactors, pairs: { z: number[][]; rgb: number[][] }): number {
  let sum = 0;
  pairs.z.forEach((z, i) => previewColour(factors, z).forEach((v, c) => (sum += (Math.max(-1, Math.min(1, v)) - pairs.rgb[i]![c]!) ** 2)));
  return Math.sqrt(sum / (pairs.z.length * 3));
}

// loom-tiny is fitted on its plain training renders and judged on the styled ones it never saw; the
// random-weight layout fixtures on colour charts, judged on charts of another seed.
const CASES = [
  { name: 'loom-tiny', fitOn: () => pictureSet(WORLD, /^base-/), heldOut: () => pictureSet(WORLD, /^style-/) },
  { name: 'tiny-sd15', fitOn: async () => undefined, heldOut: async () => colourCharts(4, 128, 99) },
  { name: 'tiny-sdxl', fitOn: async () => undefined, heldOut: async () => colourCharts(4, 128, 99) },
];

for (const { name, fitOn, heldOut } of CASES) {
  test(`${name}: its committed preview colours are a fresh fit on its own VAE, and beat the family's on held-out pictures`, async () => {
    const pipeline = await readPipeline(join(REPO, 'models', name));
    const committed = await readPreviewFactors(pipeline.dir);
    assert.ok(committed, `models/${name}/latent_preview.json exists (npm run fit-preview)`);
    assert.deepEqual(pipeline.previewFactors, committed, 'the pipeline reader picks the file up');
    const decoder = await open(pipeline.vaeDecoder);
    const encoder = await open(pipeline.vaeEncoder!);
    const fresh = await fitPreviewFactors({ decoder, encoder }, pipeline.vaeScalingFactor, await fitOn());
    assert.deepEqual(fresh, committed, `stale: rerun npm run fit-preview for models/${name} (command in scripts/fit-preview-factors.ts)`);
    const pairs = await encodedPairs(encoder.session, encoder.model, pipeline.vaeScalingFactor, await heldOut());
    const own = rmse(committed, pairs);
    const family = rmse(FAMILY_FACTORS[pipeline.family], pairs);
    assert.ok(own < family, `own factors ${own.toFixed(3)} vs ${pipeline.family} factors ${family.toFixed(3)}`);
    if (name === 'loom-tiny')
      assert.ok(own < 0.5 * family, `loom-tiny: own factors at least twice as close as SD1.5's (${own.toFixed(3)} vs ${family.toFixed(3)})`);
    await Promise.all([decoder.session.release(), encoder.session.release()]);
  });
}
