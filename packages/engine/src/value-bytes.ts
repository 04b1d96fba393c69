/**
 * A cheap estimate of the memory a JavaScript value keeps alive, for byte-budgeted caches: typed arrays
 * and ArrayBuffers (latents, images, tensors' data) by their byte length, strings at two bytes per
 * character, and a small fixed cost per object, array element or primitive. Each object is counted once
 * per estimate, however often it is referenced. The walk is iterative (no recursion on nesting depth)
 * and stops descending after {@link MAX_OBJECTS} objects, so a value wired into a large object graph
 * costs bounded time; such values are then underestimated, which a cache tolerates.
 */
const OBJECT_BYTES = 64;
const SLOT_BYTES = 8;
const MAX_OBJECTS = 10_000;

export function estimateBytes(value: unknown): number {
  const flat = flatBytes(value);
  if (flat !== undefined) return flat;
  let bytes = 0;
  let objects = 0;
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') {
      bytes += 2 * item.length;
      continue;
    }
    if (typeof item !== 'object' || item === null) {
      bytes += SLOT_BYTES;
      continue;
    }
    if (seen.has(item)) continue;
    seen.add(item);
    if (ArrayBuffer.isView(item) || item instanceof ArrayBuffer) {
      bytes += item.byteLength;
      continue;
    }
    bytes += OBJECT_BYTES;
    if (++objects > MAX_OBJECTS) continue;
    if (item instanceof Map) for (const [k, v] of item) stack.push(k, v);
    else if (item instanceof Set) for (const v of item) stack.push(v);
    else if (Array.isArray(item)) for (const v of item) stack.push(v);
    else for (const key in item) stack.push((item as Record<string, unknown>)[key]);
  }
  return bytes;
}

/**
 * The common case without a walk: an object whose values are all primitives or binary data (a node's
 * outputs of numbers, strings, latents). Undefined for anything nested deeper.
 */
function flatBytes(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Map || value instanceof Set) return undefined;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return undefined;
  let bytes = OBJECT_BYTES;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const item = record[key];
    if (typeof item === 'string') bytes += 2 * item.length;
    else if (typeof item !== 'object' || item === null) bytes += SLOT_BYTES;
    else if (ArrayBuffer.isView(item) || item instanceof ArrayBuffer) bytes += item.byteLength;
    else return undefined;
  }
  return bytes;
}
