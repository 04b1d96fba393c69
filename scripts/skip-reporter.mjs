// A node:test reporter that records every skipped test and suite as one JSON line (file, name, kind, reason).
// Node's own summary counts skipped tests only, not skipped suites, and never says why; scripts/test.mjs
// runs this beside the spec reporter and prints the list at the end.
export default async function* skipReporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { skip, name, file, details } = event.data;
    if (skip === undefined || skip === false) continue;
    const kind = details?.type === 'suite' ? 'suite' : 'test';
    yield `${JSON.stringify({ kind, file: file ?? '', name, reason: typeof skip === 'string' ? skip : '(no reason given)' })}\n`;
  }
}
