/** Canonical JSON (sorted keys) and short content hashes, for cache keys. */
import { hash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
}

export function hashOf(text: string): string {
  // One-shot hashing (Node ≥ 20.12) is about twice as fast as createHash() for short inputs.
  return hash('sha1', text, 'base64url');
}
