/**
 * Link rules the editor enforces while the user drags a connection, on the engine's own `portAccepts`
 * (through `@loom/engine/browser`): INT widens to FLOAT as in ComfyUI's primitives; every other type
 * must match by name. The helpers below list, for highlighting, the types that rule lets through.
 */
import { portAccepts } from '@loom/engine/browser';

/** The input types an output of `from` may feed (for highlighting sockets during a drag). */
export function acceptingInputTypes(from: string): string[] {
  return from === 'INT' ? ['INT', 'FLOAT'] : [from];
}

/** The output types an input of `to` accepts. */
export function acceptedOutputTypes(to: string): string[] {
  return to === 'FLOAT' ? ['FLOAT', 'INT'] : [to];
}

/** Why a link between two typed ports is refused, or null when it is allowed. */
export function linkRefusal(fromType: string, toType: string, where: { from: string; to: string }): string | null {
  if (portAccepts(toType, fromType)) return null;
  return `Cannot connect ${where.from} (${fromType}) to ${where.to} (${toType}): ${toType} accepts ${acceptedOutputTypes(toType).join(' or ')} only.`;
}

/** Whether `target` can already reach `source` through `edges` (then source → target closes a cycle). */
export function wouldCycle(source: string, target: string, edges: Iterable<{ source: string; target: string }>): boolean {
  if (source === target) return true;
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  const stack = [target];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (id === source) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return false;
}
