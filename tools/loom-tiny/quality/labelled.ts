/**
 * The generator's labelled renders (test/fixtures/loom-tiny-world, written by
 * tools/loom-tiny/loom_tiny/fixtures.py): 60 plain and 60 "loom style" pictures with the scene each
 * one shows. Ground truth for the checker, and the input of the VAE round trip.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const LabelsSchema = z
  .array(z.object({ file: z.string(), style: z.boolean(), colour: z.string(), shape: z.string(), position: z.string(), size: z.string() }))
  .min(1);

/** One labelled render: its file (inside LABELLED_DIR) and its scene. */
export type LabelledRender = z.infer<typeof LabelsSchema>[number];

export const LABELLED_DIR = fileURLToPath(new URL('../../../test/fixtures/loom-tiny-world/', import.meta.url));

export function loadLabels(dir: string = LABELLED_DIR): LabelledRender[] {
  return LabelsSchema.parse(JSON.parse(readFileSync(`${dir}/labels.json`, 'utf8')));
}
