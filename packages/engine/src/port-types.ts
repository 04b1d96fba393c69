/**
 * Port types: the kinds of value that travel along links. Each is declared once, with a cheap runtime
 * guard, so the executor can check what a node really produced and the editor can colour sockets.
 */
export interface PortType<T = unknown> {
  readonly name: string;
  readonly description: string;
  /** CSS colour for sockets in the editor. */
  readonly color: string;
  /** Cheap structural check (never a deep validation). */
  readonly guard: (value: unknown) => value is T;
  /** Phantom field carrying the TypeScript type; never set at runtime. */
  readonly __type?: T;
}

export function definePortType<T>(spec: { name: string; description: string; color: string; guard: (value: unknown) => value is T }): PortType<T> {
  if (!/^[A-Z][A-Z0-9_]*$/.test(spec.name)) {
    throw new Error(`Port type name "${spec.name}" must be UPPER_SNAKE_CASE, like ComfyUI's (MODEL, LATENT, ...)`);
  }
  return Object.freeze({ ...spec });
}

export type PortValue<P> = P extends PortType<infer T> ? T : never;

/** Primitive port types: they also feed parameters (a Seed node into a sampler's `seed`). */
export const STRING = definePortType<string>({
  name: 'STRING',
  description: 'Text',
  color: '#8fbf6a',
  guard: (v): v is string => typeof v === 'string',
});
export const INT = definePortType<number>({
  name: 'INT',
  description: 'Whole number',
  color: '#6aa9bf',
  guard: (v): v is number => Number.isSafeInteger(v),
});
export const FLOAT = definePortType<number>({
  name: 'FLOAT',
  description: 'Number',
  color: '#bfa86a',
  guard: (v): v is number => typeof v === 'number' && Number.isFinite(v),
});
export const BOOLEAN = definePortType<boolean>({
  name: 'BOOLEAN',
  description: 'True or false',
  color: '#bf6a8f',
  guard: (v): v is boolean => typeof v === 'boolean',
});

/**
 * Whether a value of port type `from` may be linked into a socket of type `to`.
 * INT widens to FLOAT, as in ComfyUI's primitive handling; everything else must match by name.
 */
export function portAccepts(to: string, from: string): boolean {
  return to === from || (to === 'FLOAT' && from === 'INT');
}
