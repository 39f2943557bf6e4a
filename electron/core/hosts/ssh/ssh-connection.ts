/**
 * One persistent SSH connection (ssh2) to one host, reused for every command of every tick.
 *
 * - TCP_NODELAY from the first byte: we open the socket ourselves (measured here over loopback:
 *   connect+auth 71 -> 27 ms, one exec on a kept connection 48 -> 4.7 ms).
 * - ProxyJump: the socket is a direct-tcpip channel of the jump host's own connection, shared
 *   by every node behind that bastion.
 * - Host keys are verified against known_hosts files before authentication; a changed key
 *   refuses the connection and stays refused until the user trusts the new key explicitly.
 * - Failures back off exponentially with jitter; auth failures and host-key problems do not
 *   retry on their own.
 */
import { connect as tcpConnect } from 'node:net';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import type { ExecResult } from '../host';
import { preferredHostKeyAlgorithms } from './host-key-algorithms';
import type { Semaphore } from './semaphore';
import { fingerprint, keyTypeOfBlob, knownHostKeyTypes, verifyHostKey, type HostKey } from './known-hosts';

export type SshState = 'idle' | 'connecting' | 'up' | 'unreachable' | 'auth-failed' | 'host-key-unknown' | 'host-key-mismatch';

export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
}

export interface SshCredentials {
  /** Private keys to offer (already read; encrypted ones with their passphrase). */
  privateKeys: Array<{ path: string; key: Buffer; passphrase?: string }>;
  /** ssh-agent socket (SSH_AUTH_SOCK), or undefined to not use an agent. */
  agent?: string;
}

export interface HostKeyPolicy {
  /** known_hosts files to check, the app's own first; the user's are only read. */
  files: readonly string[];
  /** Trust an unknown key on first sight (OpenSSH's StrictHostKeyChecking=accept-new). */
  acceptNew: boolean;
  /** Records a newly trusted key in the app's own file. */
  trust(endpoint: SshEndpoint, key: HostKey): void;
}

export interface SshConnectionOptions {
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Limits simultaneous handshakes across all connections. */
  handshakeSlots?: Semaphore;
  /** For tests: a clock and the random source of the jitter. */
  now?: () => number;
  random?: () => number;
}

/** A problem the node's status shows, with the key fingerprint when it is about the host key. */
export interface SshProblem {
  state: Exclude<SshState, 'idle' | 'connecting' | 'up'>;
  message: string;
  since: number;
  presentedKey?: { type: string; fingerprint: string; blob: string };
  /**
   * The host whose key was presented: the node itself, or a ProxyJump hop on its way (whose
   * problem keeps the node from connecting). Trust decisions are recorded under this name.
   */
  keyEndpoint?: { host: string; port: number };
  knownFingerprints?: string[];
  /** The encrypted private key whose passphrase is needed. */
  keyPath?: string;
}

const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;
/** Wrong credentials do not fix themselves; retry rarely until the user changes something. */
const AUTH_RETRY_MS = 5 * 60_000;

/** The chunks' bytes as UTF-8 text (a character cut at the output limit decodes to U+FFFD). */
function decodeUtf8(chunks: readonly Buffer[], bytes: number): string {
  if (chunks.length === 1) return chunks[0]!.toString('utf8');
  return Buffer.concat(chunks, bytes).toString('utf8');
}

/** Quotes an argument for the remote POSIX shell that runs exec requests. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export class SshConnection {
  state: SshState = 'idle';
  problem: SshProblem | null = null;
  /** How many times the connection came up: a new value is a new connection (maybe a new machine). */
  connects = 0;
  /** The host key the current (or last) connection verified, e.g. for an audit's evidence; null before the first. */
  verifiedHostKey: { type: string; fingerprint: string } | null = null;
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;
  /** close() calls so far: an open() that a close() overtook does not keep its connection. */
  private closes = 0;
  private failures = 0;
  private retryAt = 0;
  private consecutiveTimeouts = 0;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(
    readonly endpoint: SshEndpoint,
    private readonly credentials: () => Promise<SshCredentials>,
    private readonly hostKeys: HostKeyPolicy,
    /** The jump host's connection, for ProxyJump (chains are connections of connections). */
    private readonly jump: SshConnection | null,
    private readonly options: SshConnectionOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  get label(): string {
    return `${this.endpoint.user}@${this.endpoint.host}:${this.endpoint.port}`;
  }

  /** Forget the back-off (after the user fixed a key or trusted a host key). */
  resetBackoff(): void {
    this.failures = 0;
    this.retryAt = 0;
    if (this.state !== 'up' && this.state !== 'connecting') this.state = 'idle';
  }

  /** The connection, opening it if needed; rejects at once while backing off. */
  async ready(): Promise<Client> {
    if (this.client && this.state === 'up') return this.client;
    if (this.connecting) return this.connecting;
    if (this.now() < this.retryAt && this.problem) throw new SshError(this.problem);
    this.connecting = this.open().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async open(): Promise<Client> {
    this.state = 'connecting';
    const closesAtStart = this.closes;
    const release = await (this.options.handshakeSlots?.acquire() ?? Promise.resolve(() => {}));
    let verdictProblem: SshProblem | null = null;
    let presented = null as HostKey | null;
    try {
      // Keys first: nothing may await between opening the socket and handing it to ssh2, or a
      // refused connection would raise an error no one listens to.
      const credentials = await this.credentials();
      const sock = this.jump
        ? await this.jump.forward(this.endpoint.host, this.endpoint.port)
        : tcpConnect({ host: this.endpoint.host, port: this.endpoint.port, noDelay: true });
      const client = new Client();
      const config: ConnectConfig = {
        sock,
        username: this.endpoint.user,
        readyTimeout: this.options.readyTimeoutMs ?? 10_000,
        keepaliveInterval: this.options.keepaliveIntervalMs ?? 15_000,
        keepaliveCountMax: this.options.keepaliveCountMax ?? 3,
        agent: credentials.agent,
        algorithms: { serverHostKey: preferredHostKeyAlgorithms(knownHostKeyTypes(this.hostKeys.files, this.endpoint.host, this.endpoint.port)) },
        hostVerifier: (blob: Buffer) => {
          const key: HostKey = { type: keyTypeOfBlob(blob), blob: Buffer.from(blob) };
          verdictProblem = this.checkHostKey(key);
          presented = key;
          return verdictProblem === null;
        },
      };
      config.authHandler = authOrder(this.endpoint.user, credentials.privateKeys, credentials.agent);
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error) => {
          client.removeListener('ready', onReady);
          client.end();
          sock.destroy();
          reject(error);
        };
        const onReady = () => {
          client.removeListener('error', onError);
          resolve();
        };
        client.once('ready', onReady);
        client.once('error', onError);
        client.connect(config);
      });
      if (this.closes !== closesAtStart) {
        // Closed while it opened (the node released, the engine closing): kept, it would stay
        // open with its keepalive timer, and a stopping process would never exit.
        client.end();
        client.destroy();
        throw new ClosedWhileOpening();
      }
      client.on('error', () => {
        // Errors after ready end in 'close', which marks the connection down.
      });
      client.on('close', () => {
        if (this.client === client) {
          this.client = null;
          this.fail({ state: 'unreachable', message: `connection to ${this.label} closed`, since: this.now() }, false);
        }
      });
      this.client = client;
      this.connects += 1;
      if (presented) this.verifiedHostKey = { type: presented.type, fingerprint: fingerprint(presented.blob) };
      this.state = 'up';
      this.problem = null;
      this.failures = 0;
      this.consecutiveTimeouts = 0;
      return client;
    } catch (error) {
      if (error instanceof ClosedWhileOpening) {
        // Not the node's failure: no back-off, a later ready() opens anew.
        this.state = 'idle';
        throw new SshError({ state: 'unreachable', message: `connection to ${this.label} closed while it opened`, since: this.now() });
      }
      // A jump host's own failure (its host key above all) is the node's problem as it is.
      const problem = verdictProblem ?? (error instanceof SshError ? error.problem : classify(error as Error & { level?: string }, this.label, this.now()));
      this.fail(problem, true);
      throw new SshError(problem);
    } finally {
      release();
    }
  }

  private checkHostKey(key: HostKey): SshProblem | null {
    const { host, port } = this.endpoint;
    const verdict = verifyHostKey(this.hostKeys.files, host, port, key);
    const presentedKey = { type: key.type, fingerprint: fingerprint(key.blob), blob: key.blob.toString('base64') };
    const keyEndpoint = { host, port };
    if (verdict.kind === 'trusted') return null;
    // A host whose keys a CA certifies is not trusted on first sight: we cannot check certificates.
    if (verdict.kind === 'unknown' && this.hostKeys.acceptNew && verdict.certAuthorityFile === undefined) {
      this.hostKeys.trust(this.endpoint, key);
      return null;
    }
    const since = this.now();
    if (verdict.kind === 'unknown') {
      const certified =
        verdict.certAuthorityFile === undefined ? '' : ` (${verdict.certAuthorityFile} has a @cert-authority line for it; certificates are not checked here)`;
      return {
        state: 'host-key-unknown',
        message: `host key of ${host}:${port} is not known yet (${presentedKey.fingerprint})${certified}; confirm it to connect`,
        since,
        presentedKey,
        keyEndpoint,
      };
    }
    if (verdict.kind === 'revoked') {
      return { state: 'host-key-mismatch', message: `host key of ${host}:${port} is revoked in ${verdict.file}`, since, presentedKey, keyEndpoint };
    }
    return {
      state: 'host-key-mismatch',
      message: `HOST KEY CHANGED for ${host}:${port}: it presented ${key.type} ${presentedKey.fingerprint}, ${verdict.file} has ${verdict.knownFingerprints.join(', ')}. Connection refused until you trust the new key.`,
      since,
      presentedKey,
      keyEndpoint,
      knownFingerprints: verdict.knownFingerprints,
    };
  }

  private fail(problem: SshProblem, counted: boolean): void {
    const keepSince = this.problem?.state === problem.state ? this.problem.since : problem.since;
    this.problem = { ...problem, since: keepSince };
    this.state = problem.state;
    if (counted) this.failures += 1;
    if (problem.state === 'host-key-mismatch' || problem.state === 'host-key-unknown') {
      this.retryAt = Number.POSITIVE_INFINITY;
    } else if (problem.state === 'auth-failed') {
      this.retryAt = this.now() + AUTH_RETRY_MS;
    } else {
      const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.max(0, this.failures - 1));
      this.retryAt = this.now() + base * (0.5 + this.random());
    }
  }

  /** A direct-tcpip channel to host:port from this host, for the next hop of a ProxyJump. */
  async forward(host: string, port: number): Promise<ClientChannel> {
    const client = await this.ready();
    return new Promise((resolve, reject) => {
      client.forwardOut('127.0.0.1', 0, host, port, (error, stream) =>
        error ? reject(new Error(`jump through ${this.label} to ${host}:${port} failed: ${error.message}`)) : resolve(stream),
      );
    });
  }

  /** Runs a command line; never rejects for the command's own failure, only for the connection. */
  async exec(commandLine: string, timeoutMs: number, maxOutputBytes: number): Promise<ExecResult> {
    const client = await this.ready();
    const started = performance.now();
    return new Promise((resolve, reject) => {
      // Kept as the packets' bytes (outside the JS heap) and decoded once at the end: decoded as
      // they came, every chunk's string and their join outlived the young generation while the
      // command ran (500 commands at once) and were half of what the old generation collected.
      // Outputs are bounded (maxOutputBytes), and nodes' full XML reads are few at once.
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let outBytes = 0;
      let errBytes = 0;
      let truncated = false;
      let settled = false;
      let channel: ClientChannel | null = null;
      const finish = (exitCode: number | null, timedOut: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        client.removeListener('close', onConnectionClosed);
        const err = Buffer.concat(stderr).toString('utf8');
        resolve({
          exitCode,
          stdout: decodeUtf8(stdout, outBytes),
          stderr: err,
          notFound: exitCode === 127 && /not found/i.test(err),
          timedOut,
          truncated,
          durationMs: performance.now() - started,
        });
      };
      // The connection dying while the command runs is the node's state, not a command result.
      const onConnectionClosed = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new SshError(this.problem ?? { state: 'unreachable', message: `connection to ${this.label} closed`, since: this.now() }));
      };
      client.once('close', onConnectionClosed);
      const timer = setTimeout(() => {
        this.consecutiveTimeouts += 1;
        channel?.signal('KILL');
        channel?.close();
        finish(null, true);
        // A connection whose commands keep hanging is likely dead in a way TCP has not noticed.
        if (this.consecutiveTimeouts >= 3) this.drop(`commands on ${this.label} keep timing out`);
      }, timeoutMs);
      const onChannel = (error: Error | undefined, stream: ClientChannel) => {
        if (error) {
          // No channel: the connection is gone (or refuses sessions). That is the node's state,
          // not the command's result.
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          client.removeListener('close', onConnectionClosed);
          this.drop(`${this.label}: ${error.message}`);
          reject(new SshError(this.problem ?? { state: 'unreachable', message: error.message, since: this.now() }));
          return;
        }
        channel = stream;
        if (settled) {
          stream.close();
          return;
        }
        stream.on('data', (chunk: Buffer) => {
          if (outBytes + chunk.length > maxOutputBytes) {
            stdout.push(chunk.subarray(0, Math.max(0, maxOutputBytes - outBytes)));
            outBytes = maxOutputBytes;
            truncated = true;
            stream.signal('KILL');
            stream.close();
            finish(null, false);
            return;
          }
          outBytes += chunk.length;
          stdout.push(chunk);
        });
        stream.stderr.on('data', (chunk: Buffer) => {
          if (errBytes < 64 * 1024) stderr.push(chunk);
          errBytes += chunk.length;
        });
        stream.on('close', (code: number | null) => {
          if (typeof code === 'number') {
            this.consecutiveTimeouts = 0;
            finish(code, false);
            return;
          }
          // No exit status: killed, or the connection is going down, which ssh2 reports a moment
          // later. Look again shortly and tell the two apart.
          setTimeout(() => (this.client !== client ? onConnectionClosed() : finish(null, false)), 50);
        });
      };
      try {
        client.exec(commandLine, onChannel);
      } catch (error) {
        // ssh2 throws "Not connected" at once when the socket has just gone away.
        onChannel(error as Error, undefined as unknown as ClientChannel);
      }
    });
  }

  /** Closes the connection so the next call reconnects. */
  drop(reason: string): void {
    const client = this.client;
    this.client = null;
    if (client) {
      this.fail({ state: 'unreachable', message: reason, since: this.now() }, true);
      client.end();
      client.destroy();
    }
  }

  close(): void {
    this.closes += 1;
    const client = this.client;
    this.client = null;
    this.state = 'idle';
    client?.end();
    client?.destroy();
  }
}

class ClosedWhileOpening extends Error {}

/** A connection failure with the status it puts the node in. */
export class SshError extends Error {
  constructor(readonly problem: SshProblem) {
    super(problem.message);
    this.name = 'SshError';
  }
}

function classify(error: Error & { level?: string; code?: string; keyPath?: string }, label: string, since: number): SshProblem {
  const message = error.message ?? String(error);
  // The key file's own problem (encrypted, unreadable) says which file: keep its words.
  if (error.name === 'PassphraseNeededError') return { state: 'auth-failed', message, since, keyPath: error.keyPath };
  if (error.level === 'client-authentication' || /authentication methods failed/i.test(message)) {
    return { state: 'auth-failed', message: `authentication to ${label} failed: the server accepted none of the offered keys`, since };
  }
  if (/Encrypted (private|OpenSSH) key|passphrase/i.test(message)) {
    return {
      state: 'auth-failed',
      message: `the private key for ${label} is encrypted and no passphrase is available (load it into ssh-agent, or enter it once in the app)`,
      since,
    };
  }
  if (error.level === 'client-timeout') return { state: 'unreachable', message: `${label} did not complete the SSH handshake in time`, since };
  return { state: 'unreachable', message: `${label}: ${message}`, since };
}

/** Offers every key file, then the agent's keys, in that order (as OpenSSH does). */
function authOrder(username: string, keys: SshCredentials['privateKeys'], agent: string | undefined): ConnectConfig['authHandler'] {
  const methods: Array<Record<string, unknown>> = keys.map((k) => ({ type: 'publickey', username, key: k.key, passphrase: k.passphrase }));
  if (agent) methods.push({ type: 'agent', username, agent });
  let index = 0;
  return ((_methodsLeft: unknown, _partial: unknown, next: (method: unknown) => void) => {
    next(index < methods.length ? methods[index++] : false);
  }) as unknown as ConnectConfig['authHandler'];
}
