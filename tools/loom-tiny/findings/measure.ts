/**
 * Measures the seed's four findings on loom-tiny, through Loom itself, with the quality check's
 * checker and style metric (score.ts):
 *
 * - prompts: held-out subjects as bare words ("red circle"), in the prompt library's caption form
 *   ("small red circle, on the left", negative ""), and in that form with the seed playground's habit,
 *   the `landscape` set's positives and negatives from prompts.json;
 * - base model and rank: read from the comparison grid the same `npm run demo` just wrote (its cell
 *   PNGs and their `parameters`): the base column against the LoRA columns, and each rank;
 * - resolution: the caption form rendered directly at 2×, by hires fix and by the upscale model
 *   (graphs.ts), halved back to the trained size for the checker, which counts subjects.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { readPngText, type ImageBatch, type NodePackConfig } from '@loom/nodes';
import { toRgb8 } from '../../../packages/nodes/src/images/image-codec.ts';
import { createHost } from '../../../packages/server/src/host.ts';
import { createChecker } from '../quality/checker.ts';
import { loadHeldOut, type HeldOutPrompt } from '../quality/held-out.ts';
import { readRgb, type RgbImage } from '../quality/image.ts';
import { loadWorld } from '../quality/world.ts';
import { findingGraph, type FindingRequest, type Route } from './graphs.ts';
import { group, parseCaption, scorePicture, type Group, type Scored } from './score.ts';
import { halve } from './strip.ts';

/** The prompt library set whose positives and negatives stand for the seed's prompt habit. */
export const HABIT_SET = 'landscape';

export interface FindingsOptions {
  /** The comparison's folder (its img/ holds r{rank}-{index}.png). */
  gridFolder: string;
  /** Held-out prompts for the prompt finding and for the resolution finding. */
  prompts: number;
  resolutionPrompts: number;
  host?: Partial<NodePackConfig>;
  promptLibrary: string;
  onProgress?: (text: string) => void;
}

export interface FindingsResult {
  date: string;
  settings: { prompts: number; resolutionPrompts: number; habit: { positive: string; negative: string }; ranks: number[]; gridRows: number };
  prompts: Group[];
  baseModel: Group[];
  rank: (Group & { rank: number; styleAccuracy: number })[];
  resolution: Group[];
  seconds: number;
}

/** The pictures behind the figures, for the strips. */
export interface FindingsPictures {
  prompts: RgbImage[][];
  grid: Map<number, RgbImage[]>;
  resolution: RgbImage[][];
  promptLabels: string[];
  resolutionLabels: string[];
}

const Library = z.object({
  sets: z.record(z.string(), z.object({ positives: z.array(z.string()).default([]), negatives: z.array(z.string()).default([]) }).loose()),
});

const caption = (p: HeldOutPrompt, world: ReturnType<typeof loadWorld>): string =>
  `${p.size} ${p.colour} ${p.shape}, ${world.positions[p.position]?.phrase ?? p.position}`;

export const PROMPT_FORMS = ['bare subject', "the library's caption form", "caption + the seed's positives/negatives"] as const;
export const ROUTES: { route: Route; label: string }[] = [
  { route: 'trained', label: 'trained size (64 px)' },
  { route: 'direct', label: 'directly at 2×' },
  { route: 'hires', label: 'hires fix (LatentUpscale + 2nd pass)' },
  { route: 'model', label: 'upscale model (ESRGAN) to 2×' },
];

export async function measureFindings(options: FindingsOptions): Promise<{ result: FindingsResult; pictures: FindingsPictures }> {
  const started = performance.now();
  const world = loadWorld();
  const check = createChecker(world);
  const host = createHost(options.host);
  const library = Library.parse(JSON.parse(readFileSync(options.promptLibrary, 'utf8')));
  const habitSet = library.sets[HABIT_SET];
  if (!habitSet) throw new Error(`${options.promptLibrary} has no "${HABIT_SET}" set (the seed's positives and negatives).`);
  const habit = { positive: habitSet.positives.join(', '), negative: habitSet.negatives.join(', ') };
  const render = async (request: FindingRequest): Promise<RgbImage> => {
    const { graph, target } = findingGraph(request);
    const run = await host.engine.run(graph, { targets: [target] });
    const batch = run.outputs.get(target)?.images as ImageBatch;
    return { width: batch.shape[2], height: batch.shape[1], data: new Uint8Array(toRgb8(batch, 0)) };
  };
  const heldOut = loadHeldOut();

  // Prompts matter.
  const forms: Scored[][] = PROMPT_FORMS.map(() => []);
  for (const [seed, p] of heldOut.slice(0, options.prompts).entries()) {
    const asked = { colour: p.colour, shape: p.shape };
    const full = { ...asked, position: p.position, size: p.size };
    forms[0]?.push(scorePicture(check, world, await render({ prompt: `${p.colour} ${p.shape}`, seed }), asked));
    forms[1]?.push(scorePicture(check, world, await render({ prompt: caption(p, world), seed }), full));
    forms[2]?.push(scorePicture(check, world, await render({ prompt: `${habit.positive}, ${caption(p, world)}`, negative: habit.negative, seed }), full));
    options.onProgress?.(`findings: prompt ${seed + 1}/${options.prompts}`);
  }

  // Base model and rank: the grid's own cells.
  const byRank = new Map<number, Scored[]>();
  for (const file of readdirSync(join(options.gridFolder, 'img'))
    .filter((f) => /^r\d{2}-\d{4}\.png$/.test(f))
    .sort()) {
    const png = readFileSync(join(options.gridFolder, 'img', file));
    const prompt = (readPngText(png).parameters ?? '').split('\n')[0] ?? '';
    const rank = Number(file.slice(1, 3));
    byRank.set(rank, [...(byRank.get(rank) ?? []), scorePicture(check, world, await readRgb(png), parseCaption(prompt, world))]);
  }
  const base = byRank.get(0);
  const ranks = [...byRank.keys()].filter((r) => r > 0).sort((a, b) => a - b);
  if (!base || ranks.length === 0)
    throw new Error(`${options.gridFolder}/img has no base column (r00-*) or no LoRA column: run the comparison first (npm run demo).`);

  // Resolution.
  const routes: Scored[][] = ROUTES.map(() => []);
  const routePictures: RgbImage[][] = ROUTES.map(() => []);
  for (const [seed, p] of heldOut.slice(0, options.resolutionPrompts).entries()) {
    for (const [i, { route }] of ROUTES.entries()) {
      const image = await render({ prompt: caption(p, world), seed, route });
      routePictures[i]?.push(image);
      routes[i]?.push(
        scorePicture(check, world, image.width > world.size ? halve(image) : image, { colour: p.colour, shape: p.shape, position: p.position, size: p.size }),
      );
    }
    options.onProgress?.(`findings: resolution ${seed + 1}/${options.resolutionPrompts}`);
  }

  const plainBase = base.filter((s) => !s.styled).length;
  const result: FindingsResult = {
    date: new Date().toISOString(),
    settings: { prompts: options.prompts, resolutionPrompts: options.resolutionPrompts, habit, ranks, gridRows: base.length },
    prompts: forms.map((items, i) => group(PROMPT_FORMS[i] as string, items)),
    baseModel: [
      group('base model', base),
      group(
        'with a loom-style LoRA (all ranks)',
        ranks.flatMap((r) => byRank.get(r) ?? []),
      ),
    ],
    rank: ranks.map((rank) => {
      const items = byRank.get(rank) ?? [];
      return { ...group(`rank ${rank}`, items), rank, styleAccuracy: (plainBase + items.filter((s) => s.styled).length) / (base.length + items.length) };
    }),
    resolution: routes.map((items, i) => group(ROUTES[i]?.label as string, items)),
    seconds: (performance.now() - started) / 1000,
  };
  const pictures: FindingsPictures = {
    prompts: forms.map((items) => items.map((s) => s.image)),
    grid: new Map([...byRank].map(([rank, items]) => [rank, items.map((s) => s.image)])),
    resolution: routePictures,
    promptLabels: heldOut.slice(0, options.prompts).map((p) => caption(p, world)),
    resolutionLabels: heldOut.slice(0, options.resolutionPrompts).map((p) => caption(p, world)),
  };
  return { result, pictures };
}
