/**
 * The loom-tiny checker and style metric against ground truth: the labelled renders the Python
 * generator wrote (test/fixtures/loom-tiny-world, tools/loom-tiny/loom_tiny/fixtures.py), 60 plain
 * and 60 in "loom style". No model is involved, so a miss here is the checker's own error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import sharp from 'sharp';
import { createChecker, subjectsOf, type Detection } from '../../tools/loom-tiny/quality/checker.ts';
import { STYLE_THRESHOLD, styleMetric } from '../../tools/loom-tiny/quality/style-metric.ts';
import { readRgb, solidImage, type RgbImage } from '../../tools/loom-tiny/quality/image.ts';
import { LABELLED_DIR, loadLabels } from '../../tools/loom-tiny/quality/labelled.ts';
import { loadWorld } from '../../tools/loom-tiny/quality/world.ts';

/** The bar for every attribute, on plain and styled renders separately. */
const BAR = 0.98;
const ATTRIBUTES = ['colour', 'shape', 'position', 'size'] as const;

const world = loadWorld();
const check = createChecker(world);
const renders = await Promise.all(loadLabels().map(async (label) => ({ label, image: await readRgb(join(LABELLED_DIR, label.file)) })));

test('the fixture holds 60 plain and 60 styled renders', () => {
  assert.equal(renders.filter((r) => !r.label.style).length, 60);
  assert.equal(renders.filter((r) => r.label.style).length, 60);
});

for (const style of [false, true]) {
  test(`the checker reads every attribute of ≥ ${BAR * 100}% of the ${style ? 'styled' : 'plain'} renders`, () => {
    const group = renders.filter((r) => r.label.style === style);
    const misses: string[] = [];
    const correct = Object.fromEntries(ATTRIBUTES.map((a) => [a, 0])) as Record<(typeof ATTRIBUTES)[number], number>;
    for (const { label, image } of group) {
      const found = check(image);
      if (!found.found) {
        misses.push(`${label.file}: nothing found (${found.reason})`);
        continue;
      }
      for (const a of ATTRIBUTES) {
        if (found[a] === label[a]) correct[a]++;
        else misses.push(`${label.file}: ${a} ${found[a]}, labelled ${label[a]}`);
      }
    }
    for (const a of ATTRIBUTES) assert.ok(correct[a] / group.length >= BAR, `${a}: ${correct[a]}/${group.length}\n${misses.join('\n')}`);
  });
}

test('the style metric separates plain from styled renders completely', () => {
  const wrong = renders.filter(({ label, image }) => styleMetric(image, world).styled !== label.style).map((r) => r.label.file);
  assert.deepEqual(wrong, []);
  const scores = (style: boolean): number[] => renders.filter((r) => r.label.style === style).map((r) => styleMetric(r.image, world).score);
  // Plain renders show no ink, no shading and the plain background: 0 up to rounding. Styled ones show all
  // three cues, each at least half of its full value, so they score above ½.
  assert.ok(Math.max(...scores(false)) < 1e-9, `highest plain score ${Math.max(...scores(false))}`);
  assert.ok(Math.min(...scores(true)) > 0.5, `lowest styled score ${Math.min(...scores(true))}`);
  assert.ok(STYLE_THRESHOLD < 0.5);
});

test('blurred like a VAE softens them (σ = 1.6 px), the renders are still read and separated', async () => {
  // Loom's pictures come out of a VAE that softens edges: the outline stops being ink-dark first.
  const blurred = await Promise.all(
    renders.map(async ({ label }) => {
      const { data, info } = await sharp(join(LABELLED_DIR, label.file)).removeAlpha().blur(1.6).raw().toBuffer({ resolveWithObject: true });
      return { label, image: { width: info.width, height: info.height, data: new Uint8Array(data) } };
    }),
  );
  const right = Object.fromEntries(
    ATTRIBUTES.map((a) => [
      a,
      blurred.filter(({ label, image }) => {
        const d = check(image);
        return d.found && d[a] === label[a];
      }).length / blurred.length,
    ]),
  );
  // Blur rounds a square's corners towards a circle's fill ratio: the one attribute allowed to slip.
  for (const a of ATTRIBUTES) assert.ok(right[a]! >= (a === 'shape' ? 0.95 : BAR), `${a}: ${right[a]}`);
  const scores = (style: boolean): number[] => blurred.filter((r) => r.label.style === style).map((r) => styleMetric(r.image, world).score);
  const [plain, styled] = [Math.max(...scores(false)), Math.min(...scores(true))];
  assert.ok(plain < STYLE_THRESHOLD && STYLE_THRESHOLD < styled, `plain ≤ ${plain}, styled ≥ ${styled}`);
});

const notFound = (d: Detection): string => (d.found ? `found ${d.colour} ${d.shape}` : d.reason);

test('an empty (black) image has no shape', () => {
  const d = check(solidImage(64, 64, [0, 0, 0]));
  assert.equal(d.found, false, notFound(d));
  assert.match(notFound(d), /no pixel differs/);
});

test('a bare background, plain or paper, has no shape and the metric reads the background', () => {
  for (const [background, paper] of [
    [world.background, 0],
    [world.style.paper, 1],
  ] as const) {
    const image = solidImage(64, 64, background);
    const d = check(image);
    assert.equal(d.found, false, notFound(d));
    const s = styleMetric(image, world);
    assert.equal(s.paper, paper);
    assert.equal(s.ink, 0);
    assert.equal(s.shade, 0);
    // Paper alone is one of three cues: on the threshold, so a bare sheet of paper counts as styled.
    assert.equal(s.score, paper / 3);
    assert.equal(s.styled, paper === 1);
  }
});

/** Paints an axis-aligned rectangle [x0, x1) × [y0, y1). */
function paint(image: RgbImage, [x0, y0, x1, y1]: number[], rgb: readonly number[]): RgbImage {
  for (let y = y0 as number; y < (y1 as number); y++) for (let x = x0 as number; x < (x1 as number); x++) image.data.set(rgb, (y * image.width + x) * 3);
  return image;
}

test('a speck is noise and a 48×40 blot is not one shape', () => {
  const speck = check(paint(solidImage(64, 64, world.background), [30, 30, 34, 34], world.colours.red as number[]));
  assert.match(notFound(speck), /under half the smallest shape/);
  const blot = check(paint(solidImage(64, 64, world.background), [8, 8, 56, 48], world.colours.blue as number[]));
  assert.match(notFound(blot), /over twice the biggest shape/);
});

test('a hand-placed square: a 20-px blue square centred on (48, 32) is a large blue square on the right', () => {
  // A square of half-side 10 = 0.89 r has r = 11.2 (world.py): large; its centre is the "right" anchor.
  const d = check(paint(solidImage(64, 64, world.background), [38, 22, 58, 42], world.colours.blue as number[]));
  assert.ok(d.found, notFound(d));
  assert.deepEqual([d.colour, d.shape, d.position, d.size], ['blue', 'square', 'right', 'large']);
  assert.ok(Math.abs(d.measures.radius - 10 / 0.89) < 1e-9, String(d.measures.radius));
});

test('a duplicated subject is caught: two 12-px red squares are two subjects, not one shape; a speck beside one is not a subject', () => {
  // Each square is 144 px, over the 45-px floor (half a small triangle at the lowest radius: ½·2.53·6²).
  const two = check(
    paint(paint(solidImage(64, 64, world.background), [6, 26, 18, 38], world.colours.red as number[]), [46, 26, 58, 38], world.colours.red as number[]),
  );
  assert.equal(two.found, false);
  assert.equal(subjectsOf(two), 2);
  assert.match(notFound(two), /2 separate shapes/);
  const speck = check(
    paint(paint(solidImage(64, 64, world.background), [6, 26, 18, 38], world.colours.red as number[]), [50, 50, 53, 53], world.colours.red as number[]),
  );
  assert.ok(speck.found, notFound(speck));
  assert.equal(subjectsOf(speck), 1);
});

test('every labelled render is one subject', () => {
  assert.deepEqual(
    renders.filter((r) => subjectsOf(check(r.image)) !== 1).map((r) => r.label.file),
    [],
  );
});
