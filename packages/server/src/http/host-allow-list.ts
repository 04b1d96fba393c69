/**
 * The `Host` allow-list that stops DNS rebinding: a page on `rebind.attacker.example` whose name is
 * re-pointed at 127.0.0.1 reaches this server with its own name in `Host` (and a matching `Origin`, so
 * the Origin check alone passes). Only names this server is known by are accepted: loopback names, the
 * address it is bound to (every interface's address for a wildcard bind) and `--allowed-host` values.
 */
import { networkInterfaces } from 'node:os';

/** `localhost`, 127.0.0.0/8 and ::1, bare or bracketed. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/** Splits a `Host` header value into a lower-cased name (IPv6 unbracketed) and an optional port. */
export function parseHost(value: string): { name: string; port?: string } | null {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s/@]+))(?::(\d{1,5}))?$/.exec(value.trim());
  if (!match) return null;
  const name = (match[1] ?? match[2] ?? '').toLowerCase().replace(/\.$/, '');
  return match[3] === undefined ? { name } : { name, port: match[3] };
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

export class HostAllowList {
  /** Allowed names; a value with a port allows only that port. */
  readonly #entries: { name: string; port?: string }[] = [];

  /** @param allowed `--allowed-host` values: `name` (any port) or `name:port`. Throws on a malformed one. */
  constructor(allowed: readonly string[] = []) {
    for (const value of allowed) {
      const entry = parseHost(value);
      if (entry === null) throw new Error(`--allowed-host "${value}" is not a host name, address or host:port.`);
      this.#entries.push(entry);
    }
  }

  /** Adds the address the server listens on; a wildcard bind adds every local interface's address. */
  allowBound(bindHost: string): void {
    const bare = bindHost.replace(/^\[|\]$/g, '');
    if (!WILDCARDS.has(bare)) {
      this.#entries.push({ name: bare.toLowerCase() });
      return;
    }
    for (const list of Object.values(networkInterfaces())) {
      for (const iface of list ?? []) this.#entries.push({ name: iface.address.toLowerCase() });
    }
  }

  /** True when a request's `Host` header names this server. A missing or malformed header is refused. */
  allows(hostHeader: string | undefined): boolean {
    if (hostHeader === undefined) return false;
    const host = parseHost(hostHeader);
    if (host === null) return false;
    if (isLoopbackHost(host.name)) return true;
    return this.#entries.some((e) => e.name === host.name && (e.port === undefined || e.port === host.port));
  }
}
