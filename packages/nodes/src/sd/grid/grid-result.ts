/**
 * What a ComparisonGrid run produced, read from the `ui` payload the node records: its cells and the
 * files it wrote. The file layout is declared here once, for the node that writes it and for hosts
 * (loom-compare) that report it, so no host needs to know the node's internals.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { LoomError, type UiPayload } from '@loom/engine';

/** Where a grid's files go inside its folder. */
export const GRID_FILES = { grid: 'grid.png', readme: 'README.md', cells: 'img' } as const;

const CellSchema = z.object({
  file: z.string(),
  variant: z.string(),
  row: z.int().nonnegative(),
  bindings: z.record(z.string(), z.unknown()),
  /** Present when the upstream has a SafetyRetry: the attempts this cell took. */
  safetyAttempts: z.int().positive().optional(),
});

/** One cell of a finished grid, as the node reports it. */
export type GridCellResult = z.infer<typeof CellSchema>;

const GridUiSchema = z.object({
  cells: z.array(CellSchema),
  images: z.array(z.object({ filename: z.string(), subfolder: z.string() })).optional(),
});

export interface GridResult {
  cells: GridCellResult[];
  /** Absolute paths of what was written; undefined when `save` was off. */
  written?: { grid: string; readme: string; cellFolder: string };
  /** Every file written: grid.png, README.md and the cell images; empty when `save` was off. */
  files: string[];
}

/** The cells and files of a ComparisonGrid run from its `ui` payload; `outputDir` is the host's output folder. */
export function gridResultOf(ui: UiPayload | undefined, outputDir: string): GridResult {
  const parsed = GridUiSchema.safeParse(ui);
  if (!parsed.success)
    throw new LoomError(
      'NODE_FAILED',
      `The run gave no ComparisonGrid result (${parsed.error.issues[0]?.message ?? 'no ui payload'}); is the target a ComparisonGrid node?`,
    );
  const { cells, images } = parsed.data;
  const saved = images?.[0];
  if (saved === undefined) return { cells, files: [] };
  const folder = join(outputDir, saved.subfolder);
  const written = { grid: join(folder, GRID_FILES.grid), readme: join(folder, GRID_FILES.readme), cellFolder: join(folder, GRID_FILES.cells) };
  return { cells, written, files: [written.grid, written.readme, ...cells.map((c) => join(written.cellFolder, c.file))] };
}
