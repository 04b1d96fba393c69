/**
 * Python's `round(x, ndigits)` for doubles: the exact decimal value of x rounded half-to-even at `ndigits`, read back
 * as the nearest double. (JS `toFixed` rounds exact ties up, and `Math.round(x·10ⁿ)/10ⁿ` rounds the product.)
 * torchsde rounds every Brownian-tree endpoint this way, so the tree's shape depends on it.
 */
export function pyRound(x: number, ndigits: number): number {
  if (!Number.isFinite(x) || Math.abs(x) >= 1e21) return x;
  // toFixed(100) is exact here: a double below 1e21 has a terminating expansion within 100 fractional digits
  // for every value the σ range can hold (≥ 2^-40).
  const [whole, fraction] = Math.abs(x).toFixed(100).split('.') as [string, string];
  const rest = fraction.slice(ndigits);
  let kept = BigInt(whole + fraction.slice(0, ndigits));
  const tie = rest[0] === '5' && !/[1-9]/.test(rest.slice(1));
  if (rest[0]! > '5' || (rest[0] === '5' && !tie) || (tie && kept % 2n === 1n)) kept += 1n;
  const digits = kept.toString().padStart(ndigits + 1, '0');
  const value = Number(`${digits.slice(0, digits.length - ndigits)}.${digits.slice(digits.length - ndigits)}`);
  return x < 0 ? -value : value;
}
