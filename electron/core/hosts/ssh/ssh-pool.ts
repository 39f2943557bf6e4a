/**
 * Every SSH connection the engine holds, one per (user, host, port, route): nodes behind the
 * same bastion share the bastion's connection. Handshakes are limited to a few at a time so
 * that connecting hundreds of nodes does not stampede.
 */
import type { HostKey } from './known-hosts';
import { Semaphore } from './semaphore';
import { SshConnection, type HostKeyPolicy, type SshCredentials, type SshEndpoint } from './ssh-connection';

export interface SshRoute {
  endpoint: SshEndpoint;
  identityFiles: readonly string[];
  useAgent: boolean;
}

export interface SshPoolOptions {
  hostKeys: HostKeyPolicy;
  credentials: (route: SshRoute) => Promise<SshCredentials>;
  /** Simultaneous handshakes (connect + key exchange + auth). */
  maxHandshakes?: number;
  readyTimeoutMs?: number;
}

export type { HostKey };

/**
 * Connections are shared only by routes that would authenticate the same way: the same user,
 * host and port, the same keys and agent use, through the same jumps. Two nodes with different
 * keys on one host each get their own connection (one must not ride on the other's login).
 */
function routeKey(hops: readonly SshRoute[]): string {
  return hops
    .map((h) => `${h.endpoint.user}@${h.endpoint.host}:${h.endpoint.port}[${[...h.identityFiles].join('|')}${h.useAgent ? '|agent' : ''}]`)
    .join(' > ');
}

export class SshPool {
  private readonly connections = new Map<string, SshConnection>();
  /** How many nodes use each connection (a bastion's is shared): closed when none does. */
  private readonly users = new Map<string, number>();
  private readonly handshakeSlots: Semaphore;

  constructor(private readonly options: SshPoolOptions) {
    this.handshakeSlots = new Semaphore(options.maxHandshakes ?? 16);
  }

  /** The connection for a target reached through `jumps` (outermost first); release() it when done. */
  connection(target: SshRoute, jumps: readonly SshRoute[] = []): SshConnection {
    const hops = [...jumps, target];
    let previous: SshConnection | null = null;
    for (let i = 0; i < hops.length; i += 1) {
      const key = routeKey(hops.slice(0, i + 1));
      this.users.set(key, (this.users.get(key) ?? 0) + 1);
      let connection = this.connections.get(key);
      if (!connection) {
        const hop = hops[i]!;
        connection = new SshConnection(hop.endpoint, () => this.options.credentials(hop), this.options.hostKeys, previous, {
          handshakeSlots: this.handshakeSlots,
          readyTimeoutMs: this.options.readyTimeoutMs,
        });
        this.connections.set(key, connection);
      }
      previous = connection;
    }
    return previous!;
  }

  /** A node stops using its route: connections no other node uses are closed. */
  release(target: SshRoute, jumps: readonly SshRoute[] = []): void {
    const hops = [...jumps, target];
    for (let i = hops.length; i >= 1; i -= 1) {
      const key = routeKey(hops.slice(0, i));
      const left = (this.users.get(key) ?? 1) - 1;
      if (left > 0) {
        this.users.set(key, left);
        continue;
      }
      this.users.delete(key);
      this.connections.get(key)?.close();
      this.connections.delete(key);
    }
  }

  /** Open connections, for tests and diagnostics. */
  get size(): number {
    return this.connections.size;
  }

  /**
   * Clears back-off on every connection to host:port (after the user trusted its new key), and on
   * every connection held up by that host's key (nodes behind it as a bastion).
   */
  resetBackoff(host: string, port: number): void {
    for (const connection of this.connections.values()) {
      const keyEndpoint = connection.problem?.keyEndpoint;
      const blocked = keyEndpoint !== undefined && keyEndpoint.host === host && keyEndpoint.port === port;
      if ((connection.endpoint.host === host && connection.endpoint.port === port) || blocked) connection.resetBackoff();
    }
  }

  closeAll(): void {
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
    this.users.clear();
  }
}
