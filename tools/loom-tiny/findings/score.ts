/**
 * How the findings score a group of pictures, with the quality check's own checker and style metric
 * (quality/checker.ts, quality/style-metric.ts): adherence (colour, shape and position as asked, the
 * issue's bar), subject (colour and shape as asked, for prompts that name no position), how many
 * pictures show exactly one subject, and the style metric's share of styled pictures and mean score.
 */
import { judge, type Attribute } from '../quality/adherence.ts';
import { subjectsOf, type Detection } from '../quality/checker.ts';
import type { RgbImage } from '../quality/image.ts';
import { styleMetric } from '../quality/style-metric.ts';
import type { World } from '../quality/world.ts';

export interface Scored {
  image: RgbImage;
  detection: Detection;
  /** What the prompt asked; position and size absent when it did not name them. */
  expected: Partial<Record<Attribute, string>> & { colour: string; shape: string };
  style: number;
  styled: boolean;
}

/** One bar of a finding: a row of its table. */
export interface Group {
  label: string;
  count: number;
  /** Colour, shape and position right; null when the prompts named no position. */
  adherence: number | null;
  /** Colour and shape right. */
  subject: number;
  /** Exactly one subject in the picture. */
  oneSubject: number;
  meanSubjects: number;
  /** Share the style metric calls styled, and its mean score. */
  styled: number;
  meanStyle: number;
}

/** Scores one picture: the checker's reading and the style metric. */
export function scorePicture(check: (image: RgbImage) => Detection, world: World, image: RgbImage, expected: Scored['expected']): Scored {
  const style = styleMetric(image, world);
  return { image, detection: check(image), expected, style: style.score, styled: style.styled };
}

export function group(label: string, items: readonly Scored[]): Group {
  const share = (f: (s: Scored) => boolean): number => items.filter(f).length / Math.max(1, items.length);
  const full = (s: Scored): boolean => judge(s.detection, { size: '', position: '', ...s.expected }).adheres;
  const positioned = items.every((s) => s.expected.position !== undefined);
  const right = (s: Scored): boolean => s.detection.found && s.detection.colour === s.expected.colour && s.detection.shape === s.expected.shape;
  return {
    label,
    count: items.length,
    adherence: positioned ? share(full) : null,
    subject: share(right),
    oneSubject: share((s) => subjectsOf(s.detection) === 1),
    meanSubjects: items.reduce((n, s) => n + subjectsOf(s.detection), 0) / Math.max(1, items.length),
    styled: share((s) => s.styled),
    meanStyle: items.reduce((n, s) => n + s.style, 0) / Math.max(1, items.length),
  };
}

/** The (size, colour, shape, position) a prompt in the library's caption form names, e.g. "large blue circle, at the bottom, loom style". */
export function parseCaption(prompt: string, world: World): Scored['expected'] & Record<Attribute, string> {
  const alt = (words: string[]): string => words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const phrases = Object.entries(world.positions).map(([name, p]) => [p.phrase, name] as const);
  const re = new RegExp(`(${alt(Object.keys(world.sizes))}) (${alt(Object.keys(world.colours))}) (${alt(world.shapes)}), (${alt(phrases.map(([p]) => p))})`);
  const m = re.exec(prompt);
  if (!m) throw new Error(`"${prompt}" is not in the prompt library's loom-tiny form "{size} {colour} {shape}, {position}".`);
  return { size: m[1] as string, colour: m[2] as string, shape: m[3] as string, position: phrases.find(([p]) => p === m[4])?.[1] as string };
}
