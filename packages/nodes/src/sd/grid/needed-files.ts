/**
 * The LoRA files a comparison will load, checked before its first cell: a missing rank-32 file is
 * reported at validation, not after the rank-0 cells are written. A cell loads the LoRA its bindings
 * name (or the graph's own) unless its strength is 0, which passes the model through unread.
 */
import type { CheckProblem, CheckView } from '@loom/engine';
import { isMissingSync } from '../../model-files.ts';
import { planGrid, type Variant } from './plan.ts';

/** The grid's problems with the files its cells need, one message listing every missing file. */
export function missingGridLoras(view: CheckView, lorasDir: string): CheckProblem[] {
  const { variants, prompts, seeds } = view.params as { variants?: Variant[]; prompts?: (string | number)[]; seeds?: number[] };
  if (variants === undefined || prompts === undefined || seeds === undefined) return []; // linked axes: known only at run time
  let cells: ReturnType<typeof planGrid>['cells'];
  try {
    ({ cells } = planGrid(variants, prompts, seeds));
  } catch (err) {
    return [{ input: 'variants', message: (err as Error).message }];
  }
  const baseLora = view.source('lora')?.node.params.value;
  const baseStrength = view.source('strength')?.node.params.value;
  const missing = new Map<string, Set<string>>();
  for (const cell of cells) {
    const lora = cell.bindings.lora ?? baseLora;
    const strength = cell.bindings.strength ?? baseStrength;
    if (typeof lora !== 'string' || lora === '' || strength === 0 || !isMissingSync(lorasDir, lora)) continue;
    const label = variants[cell.variant]?.label ?? 'as is';
    missing.set(lora, (missing.get(lora) ?? new Set()).add(label));
  }
  if (missing.size === 0) return [];
  const list = [...missing].map(([file, labels]) => `${file} (variant ${[...labels].map((l) => `"${l}"`).join(', ')})`).join('; ');
  return [
    {
      code: 'MODEL_NOT_FOUND',
      input: 'variants',
      message: `The comparison needs LoRA files that are not in ${lorasDir}: ${list}. Add them or drop those variants; no cell was run.`,
    },
  ];
}
