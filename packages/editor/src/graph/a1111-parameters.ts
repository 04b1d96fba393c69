/**
 * Reads A1111's `parameters` text, which Loom and A1111 write into every PNG: the prompt, a
 * `Negative prompt:` line, then one line of `Key: value` pairs (`Steps: 20, Seed: 7, Size: 64x64, …`).
 * Values may be quoted when they contain commas, as A1111 writes them.
 */
export interface A1111Parameters {
  prompt: string;
  negativePrompt: string;
  settings: Record<string, string>;
}

/** Splits `Key: value, Key: "a, b"` into pairs. */
function parseSettings(line: string): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const m of line.matchAll(/\s*([^:,]+):\s*("(?:\\.|[^"])*"|[^,]*)\s*(?:,|$)/g)) {
    const key = m[1]!.trim();
    const raw = m[2]!.trim();
    settings[key] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  }
  return settings;
}

export function parseA1111Parameters(text: string): A1111Parameters {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const last = lines.length > 1 && /^\s*Steps:/.test(lines.at(-1) ?? '') ? lines.pop()! : '';
  const neg = lines.findIndex((l) => l.startsWith('Negative prompt:'));
  const prompt = (neg < 0 ? lines : lines.slice(0, neg)).join('\n').trim();
  const negativePrompt = neg < 0 ? '' : lines.slice(neg).join('\n').slice('Negative prompt:'.length).trim();
  return { prompt, negativePrompt, settings: parseSettings(last) };
}
