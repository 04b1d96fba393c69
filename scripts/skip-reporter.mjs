// A node:test reporter that records every skipped test and suite as one JSON line (file, name, kind, reason).
// Node's own summary counts skipped tests only, not skipped suites, and never says why; scripts/test.mjs
// runs this beside the spec reporter and prints skippedSummary() of its output at the end.
import { relative } from 'node:path';

export default async function* skipReporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { skip, name, file, details } = event.data;
    if (skip === undefined || skip === false) continue;
    const kind = details?.type === 'suite' ? 'suite' : 'test';
    yield `${JSON.stringify({ kind, file: file ?? '', name, reason: typeof skip === 'string' ? skip : '(no reason given)' })}\n`;
  }
}

/** "Skipped: …" lines from the reporter's JSON lines, file paths relative to `root`. */
export function skippedSummary(jsonLines, root) {
  const skipped = jsonLines
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  const count = (kind) => skipped.filter((s) => s.kind === kind).length;
  const lines = [`Skipped: ${count('suite')} suite(s), ${count('test')} test(s)${skipped.length ? ':' : ''}`];
  for (const s of skipped) lines.push(`  ${s.kind.padEnd(5)} ${relative(root, s.file) || '?'} › ${s.name} — ${s.reason}`);
  return lines.join('\n');
}
