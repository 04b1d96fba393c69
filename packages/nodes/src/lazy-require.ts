/**
 * CommonJS dependencies required on first use instead of at import. `@loom/nodes` is imported whole by
 * every bin, so a dependency imported at the top of any module is paid by every cold start, used or
 * not: the beta scheduler's quantile alone (@stdlib, ~150 small modules) cost 0.3 s of CPU before a
 * graph that never uses it could start. Node's own `createRequire` keeps the call sites synchronous,
 * which a dynamic `import()` would not.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A function returning `specifier`'s `module.exports`, required the first time it is called. */
export function lazyRequire<T>(specifier: string): () => T {
  let loaded: { value: T } | undefined;
  return () => (loaded ??= { value: require(specifier) as T }).value;
}
