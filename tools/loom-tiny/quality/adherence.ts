/**
 * Prompt adherence: render held-out prompts on the base model (seed = the prompt's index) and ask the
 * checker what each picture shows. A picture adheres when colour, shape and position all match
 * (the bar); size is reported beside it, since the issue does not require it.
 */
import type { Detection } from './checker.ts';
import type { HeldOutPrompt } from './held-out.ts';
import type { RgbImage } from './image.ts';
import type { Renderer } from './render.ts';

export const ATTRIBUTES = ['colour', 'shape', 'position', 'size'] as const;
export type Attribute = (typeof ATTRIBUTES)[number];

/** What the checker got right about one picture. */
export interface Judgement {
  correct: Record<Attribute, boolean>;
  /** Colour, shape and position all right. */
  adheres: boolean;
}

export interface AdherenceCase extends Judgement {
  index: number;
  seed: number;
  expected: HeldOutPrompt;
  detection: Detection;
  image: RgbImage;
}

export interface AdherenceResult {
  count: number;
  /** Share of pictures whose colour, shape and position all match. */
  adherence: number;
  /** Share right per attribute (a picture where nothing was found counts as wrong for each). */
  perAttribute: Record<Attribute, number>;
  /** Share where the checker found no single shape. */
  nothingFound: number;
  cases: AdherenceCase[];
}

/** Which attributes the checker read as expected, and whether the picture adheres (colour, shape and position right). */
export function judge(detection: Detection, expected: Record<Attribute, string>): Judgement {
  const correct = Object.fromEntries(ATTRIBUTES.map((a) => [a, detection.found && detection[a] === expected[a]])) as Record<Attribute, boolean>;
  return { correct, adheres: correct.colour && correct.shape && correct.position };
}

/** Share of items that adhere, and share right per attribute (nothing found counts as wrong for each). */
export function shares(items: readonly Judgement[]): { adherence: number; perAttribute: Record<Attribute, number> } {
  const share = (f: (c: Judgement) => boolean): number => items.filter(f).length / items.length;
  return {
    adherence: share((c) => c.adheres),
    perAttribute: Object.fromEntries(ATTRIBUTES.map((a) => [a, share((c) => c.correct[a])])) as Record<Attribute, number>,
  };
}

export async function measureAdherence(
  renderer: Renderer,
  check: (image: RgbImage) => Detection,
  prompts: readonly HeldOutPrompt[],
  onProgress: (done: number, total: number, last: AdherenceCase) => void = () => {},
): Promise<AdherenceResult> {
  const cases: AdherenceCase[] = [];
  for (const [index, expected] of prompts.entries()) {
    const image = await renderer.render({ prompt: expected.prompt, seed: index });
    const detection = check(image);
    const item = { index, seed: index, expected, detection, ...judge(detection, expected), image };
    cases.push(item);
    onProgress(cases.length, prompts.length, item);
  }
  return { count: cases.length, ...shares(cases), nothingFound: cases.filter((c) => !c.detection.found).length / cases.length, cases };
}
