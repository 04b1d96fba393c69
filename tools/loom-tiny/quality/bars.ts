/** The issue's quality bars (issue 9) and the verdict on a measurement. */
import type { AdherenceResult } from './adherence.ts';
import type { LoraAdherenceResult } from './lora-adherence.ts';
import type { StyleResult } from './style-eval.ts';

export const QUALITY_BARS = {
  /** Colour, shape and position all right, on held-out prompts (the issue: ≥ 90% of 200). */
  adherence: 0.9,
  /** Style metric's accuracy, base vs LoRA at strength 1, for every rank (the issue: ≥ 95%). */
  styleAccuracy: 0.95,
  /** Colour, shape and position all right through each LoRA at strength 1, on the style prompts (issue 22: ≥ 90% for every rank). */
  loraAdherence: 0.9,
} as const;

export type QualityBars = { [K in keyof typeof QUALITY_BARS]: number };

export interface Verdict {
  passed: boolean;
  /** One line per missed bar. */
  failures: string[];
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

export function verdict(
  adherence: AdherenceResult | undefined,
  style: StyleResult | undefined,
  loraAdherence: LoraAdherenceResult | undefined,
  bars: QualityBars = QUALITY_BARS,
): Verdict {
  const failures: string[] = [];
  if (adherence && adherence.adherence < bars.adherence)
    failures.push(`prompt adherence ${pct(adherence.adherence)} < ${pct(bars.adherence)} (${adherence.count} prompts)`);
  for (const r of style?.ranks ?? []) {
    if (r.accuracy < bars.styleAccuracy) failures.push(`rank ${r.rank}: style accuracy ${pct(r.accuracy)} < ${pct(bars.styleAccuracy)}`);
    if (r.curve.length > 1 && !r.monotonic)
      failures.push(
        `rank ${r.rank}: the style metric does not rise monotonically with strength (${r.curve.map((p) => `${p.strength}: ${p.mean.toFixed(3)}`).join(', ')})`,
      );
  }
  for (const r of loraAdherence?.ranks ?? []) {
    if (r.adherence < bars.loraAdherence)
      failures.push(`rank ${r.rank}: prompt adherence through the LoRA at strength 1 ${pct(r.adherence)} < ${pct(bars.loraAdherence)} (${r.count} prompts)`);
  }
  return { passed: failures.length === 0, failures };
}
