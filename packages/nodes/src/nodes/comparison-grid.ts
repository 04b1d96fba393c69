/**
 * ComparisonGrid: the same prompts × seeds across variants (base model, LoRA ranks, strengths,
 * samplers, CFG...), through the lazy `images` input. Each cell evaluates the upstream graph with
 * bindings on the grid's own linked inputs (`seed`, `promptSeed`, `prompt`, `lora`, `strength`,
 * `sampler`, `cfg`, `steps`), so only what a binding changes re-runs: model sessions and LoRA merges
 * are shared by a column, text encodings by every cell with the same prompt (the output cache).
 * Writes `img/r{rank:02d}-{index:04d}.png` per cell, `grid.png` (labelled) and `README.md` (the seed
 * playground's Markdown table) into the output folder, and outputs the grid as an IMAGE. A re-run
 * first clears the previous run's files; each cell PNG embeds the graph that re-renders that cell.
 * Hosts read what a run produced with `gridResultOf` (sd/grid/grid-result.ts).
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import { atInput, defineNode, isLink, LoomError, MAX_SEED, param } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { IMAGE, imageOf, type ImageBatch } from '../ports.ts';
import { MODEL_FOLDERS, resolveInside } from '../model-files.ts';
import { missingGridLoras } from '../sd/grid/needed-files.ts';
import { encodePng, toRgb8 } from '../images/image-codec.ts';
import { addPngText } from '../images/png-text.ts';
import { pngTextEntries } from '../images/metadata.ts';
import { PromptEntry, VariantSchema, planGrid } from '../sd/grid/plan.ts';
import { gridMarkdown } from '../sd/grid/markdown.ts';
import { gridLayout, renderGrid } from '../sd/grid/render.ts';
import { writeFileAtomic } from '../sd/grid/write-file.ts';
import { cellGraph } from '../sd/grid/cell-graph.ts';
import { clearPreviousRun } from '../sd/grid/clear-previous.ts';
import { rowLabel, safetyAttempts } from '../sd/grid/labels.ts';
import { GRID_FILES } from '../sd/grid/grid-result.ts';

/** Inputs a variant or an axis may bind; each must be linked from the node that feeds the real input. */
const BINDABLE = ['seed', 'promptSeed', 'prompt', 'lora', 'strength', 'sampler', 'cfg', 'steps'] as const;

export const comparisonGridNode = (config: NodePackConfig) =>
  defineNode({
    type: 'ComparisonGrid',
    category: 'image/compare',
    description:
      'Runs the upstream graph once per cell of variants × prompts × seeds by re-binding its linked inputs (seed, promptSeed, prompt, lora, strength, sampler, cfg, steps), and saves every cell as r{rank:02d}-{index:04d}.png, a labelled grid.png and a Markdown table.',
    inputs: { images: { type: IMAGE, lazy: true, description: 'One image per evaluation (the first of a batch is used)' } },
    params: {
      seed: param(z.int().min(0).max(MAX_SEED).default(0), 'Link from the Seed node; the seeds axis re-binds it', 'seed'),
      promptSeed: param(z.int().min(0).max(MAX_SEED).default(0), 'Link from the PromptLibrary seed source; numeric prompts re-bind it', 'seed'),
      prompt: param(z.string().default(''), 'Link from the String feeding the positive TextEncoder; text prompts re-bind it'),
      lora: param(z.string().default(''), 'Link from the String feeding LoRALoader.lora'),
      strength: param(z.number().default(1), 'Link from the Float feeding LoRALoader strengths'),
      sampler: param(z.string().default(''), 'Link from the String feeding UNetSampler.sampler'),
      cfg: param(z.number().default(7), 'Link from the Float feeding UNetSampler.cfg'),
      steps: param(z.int().default(20), 'Link from the Int feeding UNetSampler.steps'),
      variants: param(z.array(VariantSchema).default([]), 'Columns: [{label, rank?, set: {lora: "...", strength: 0.8}}]; empty = the graph as is', 'json'),
      prompts: param(z.array(PromptEntry).default([]), 'Rows: prompt texts (bind prompt) or prompt-library seeds (bind promptSeed)', 'json'),
      seeds: param(z.array(z.int().min(0).max(MAX_SEED)).default([]), 'Rows within each prompt: seeds (bind seed)', 'json'),
      folder: param(z.string().min(1).default('compare'), 'Subfolder of the output folder for the files'),
      save: param(z.boolean().default(true), 'Write the cell PNGs, grid.png and README.md'),
      cellSize: param(z.int().min(0).max(4096).default(0), 'Longest cell edge in grid.png; 0 = the images’ own size'),
    },
    outputs: { grid: IMAGE },
    output: true,
    check: (view) => missingGridLoras(view, join(config.modelsDir, MODEL_FOLDERS.loras)),
    run: async ({ images }, p, ctx) => {
      const plan = planGrid(p.variants, p.prompts, p.seeds);
      const links = ctx.graph.nodes[ctx.nodeId]?.inputs ?? {};
      const needed = new Set(plan.cells.flatMap((c) => Object.keys(c.bindings)));
      for (const name of needed) {
        if (!(BINDABLE as readonly string[]).includes(name))
          throw new LoomError('PARAM_INVALID', `Variant binding "${name}" is not a grid input; bindable inputs are ${BINDABLE.join(', ')}.`, {
            input: 'variants',
          });
        if (!isLink(links[name]))
          throw new LoomError(
            'PARAM_INVALID',
            `The grid binds "${name}", so link the grid's "${name}" input from the node that feeds the real ${name} (linked now: ${BINDABLE.filter((b) => isLink(links[b])).join(', ') || 'none'}).`,
            { input: name },
          );
      }
      const folder = p.save ? await atInput('folder', () => resolveInside(config.outputDir, p.folder, 'Comparison folder')) : '';
      if (p.save) await clearPreviousRun(folder);
      const cells: (Buffer | undefined)[][] = plan.rows.map(() => plan.variants.map(() => undefined));
      const attempts: { file: string; attempts: number }[] = [];
      let checked = false;
      const prompts: (string | undefined)[] = [];
      let cellShape: [number, number] | undefined;
      let thumb: { width: number; height: number } | undefined;
      for (const cell of plan.cells) {
        ctx.throwIfCancelled();
        ctx.log.info(`cell ${cell.order} of ${plan.cells.length}: ${plan.variants[cell.variant]?.label}, row ${cell.row}`);
        const batch: ImageBatch = await images.evaluate(cell.bindings);
        if (batch.shape[0] > 1 && cell.order === 1) ctx.log.warn(`The upstream makes ${batch.shape[0]} images per evaluation; the grid uses the first.`);
        const [, height, width] = batch.shape;
        cellShape ??= [height, width];
        if (cellShape[0] !== height || cellShape[1] !== width)
          throw new LoomError(
            'NODE_FAILED',
            `Cell ${cell.order} is ${width}×${height}, the first was ${cellShape[1]}×${cellShape[0]}; every cell must have the same size.`,
          );
        prompts[cell.row] ??= batch.meta.prompt;
        const tries = safetyAttempts(batch);
        checked ||= tries !== undefined;
        attempts.push({ file: cell.file, attempts: tries ?? 1 });
        if (p.save) {
          const title = `Cell ${cell.file} of ${String(ctx.graph.meta?.title ?? 'a comparison')}`;
          const own = cellGraph(ctx.graph, ctx.nodeId, cell.bindings, `${p.folder}/rerun/${cell.file.replace(/\.png$/, '')}`, title);
          const png = addPngText(await encodePng(batch, 0), pngTextEntries(own, ctx.registry, batch.meta, width, height));
          await writeFileAtomic(join(folder, GRID_FILES.cells, cell.file), png);
        }
        const scale = p.cellSize > 0 ? Math.min(1, p.cellSize / Math.max(width, height)) : 1;
        thumb ??= { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
        const rgb = toRgb8(batch, 0);
        const row = cells[cell.row] as (Buffer | undefined)[];
        row[cell.variant] =
          scale === 1
            ? rgb
            : await sharp(rgb, { raw: { width, height, channels: 3 } })
                .resize(thumb.width, thumb.height, { kernel: 'lanczos3', fit: 'fill' })
                .raw()
                .toBuffer();
        ctx.progress(cell.order, plan.cells.length);
      }
      const size = thumb ?? { width: 1, height: 1 };
      const layout = gridLayout(plan.variants.length, plan.rows.length, size.width, size.height);
      const rowLabels = plan.rows.map((r) => rowLabel(plan, r, prompts[r.index]));
      const { rgb } = await renderGrid(
        layout,
        plan.variants.map((v) => v.label),
        rowLabels,
        cells,
      );
      const markdown = gridMarkdown(plan, `./${GRID_FILES.cells}`, prompts, checked ? attempts : undefined);
      if (p.save) {
        await writeFileAtomic(
          join(folder, GRID_FILES.grid),
          await sharp(rgb, { raw: { width: layout.width, height: layout.height, channels: 3 } })
            .png()
            .toBuffer(),
        );
        await writeFileAtomic(join(folder, GRID_FILES.readme), markdown);
      }
      const subfolder = p.save ? p.folder.replaceAll('\\', '/') : '';
      ctx.ui({
        ...(p.save && { images: [{ filename: GRID_FILES.grid, subfolder, type: 'output' }] }),
        text: [markdown],
        cells: plan.cells.map((c, i) => ({
          file: c.file,
          variant: plan.variants[c.variant]?.label,
          row: c.row,
          bindings: c.bindings,
          ...(checked && { safetyAttempts: attempts[i]?.attempts }),
        })),
      });
      return {
        grid: imageOf(
          Float32Array.from(rgb, (v) => v / 255),
          [1, layout.height, layout.width, 3],
        ),
      };
    },
  });
