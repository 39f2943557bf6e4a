/**
 * Light simulated SSH nodes for `bench prometheus` (its SSH side): ONE process hosting many ssh2
 * servers, each on a loopback address of its own (127.77.x.y, any free port), each with its own
 * ed25519 host key and real public-key authentication (the client's key, signature checked).
 * Exec requests are answered from recordings of the engine's own scripts (ssh-sim-replies.ts).
 * Forked by prometheus-bench.ts so that its CPU is not the engine's: the engine runs in another
 * process and reaches these nodes over loopback TCP like any SSH host.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Server, utils, type Connection, type ParsedKey } from 'ssh2';
import { createReplies, type KernelLogReplay, type Replies } from './ssh-sim-replies';

export interface SshSimJob {
  nodes: number;
  /** A folder of the harness: the client key and the recordings go here. */
  dir: string;
  /** GPUs of each GPU node (every 4th node has none). */
  gpus: number;
  kernelLog: KernelLogReplay;
}

export interface SimNode {
  name: string;
  host: string;
  port: number;
  /** `ssh-ed25519 AAAA...`: the host key, for known_hosts. */
  hostKey: string;
  gpu: boolean;
}

export interface SshSimReady {
  nodes: SimNode[];
  /** The client's private key (OpenSSH format, 0600), accepted by every node. */
  identityFile: string;
  user: string;
}

export const SIM_USER = 'bench';

/** The i-th node's loopback address: 127.77.x.y, y in 1..250. */
export function simAddress(i: number): string {
  return `127.77.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

const hasGpu = (i: number) => i % 4 !== 3;

function parsedKey(text: string): ParsedKey {
  const key = utils.parseKey(text);
  if (key instanceof Error) throw key;
  return Array.isArray(key) ? key[0]! : key;
}

/**
 * An ed25519 key pair that ssh2 itself can read back: about 3 in 1,000 of the private keys its
 * generateKeyPairSync writes fail its own parseKey ("Malformed OpenSSH private key"), so such
 * a pair is thrown away and made again.
 */
function ed25519Pair(): { private: string; public: string } {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.private) instanceof Error)) return pair;
  }
}

function serveClient(client: Connection, allowed: ParsedKey, replies: Replies, node: SimNode): void {
  client.on('error', () => {});
  client.on('authentication', (ctx) => {
    if (ctx.method !== 'publickey' || ctx.username !== SIM_USER || ctx.key.algo !== allowed.type || !ctx.key.data.equals(allowed.getPublicSSH())) {
      ctx.reject(['publickey']);
      return;
    }
    // Without a signature the client only asks whether the key would do; with one, it must verify.
    if (ctx.signature === undefined) ctx.accept();
    else if (allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true) ctx.accept();
    else ctx.reject(['publickey']);
  });
  client.on('ready', () => {
    client.on('session', (acceptSession) => {
      const session = acceptSession();
      session.on('exec', (acceptExec, _reject, info) => {
        const stream = acceptExec();
        void replies.answer(info.command, node.gpu, node.name).then((reply) => {
          if (reply.stdout) stream.write(reply.stdout);
          if (reply.stderr) stream.stderr.write(reply.stderr);
          stream.exit(reply.code);
          stream.end();
        });
      });
    });
  });
}

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

export async function startSshSim(job: SshSimJob): Promise<{ ready: SshSimReady; replies: Replies; close(): void }> {
  mkdirSync(job.dir, { recursive: true });
  const client = ed25519Pair();
  const identityFile = join(job.dir, 'client_ed25519');
  writeFileSync(identityFile, client.private, { mode: 0o600 });
  const allowed = parsedKey(client.public);
  const replies = createReplies(join(job.dir, 'replies'), job.gpus, job.kernelLog);
  const servers: Server[] = [];
  const nodes: SimNode[] = [];
  for (let i = 0; i < job.nodes; i += 1) {
    const hostKey = ed25519Pair();
    const node: SimNode = {
      name: `sim-${String(i + 1).padStart(4, '0')}`,
      host: simAddress(i),
      port: 0,
      hostKey: hostKey.public.split(' ').slice(0, 2).join(' '),
      gpu: hasGpu(i),
    };
    const server = new Server({ hostKeys: [hostKey.private] }, (connection) => serveClient(connection, allowed, replies, node));
    node.port = await listen(server, node.host);
    servers.push(server);
    nodes.push(node);
  }
  return {
    ready: { nodes, identityFile, user: SIM_USER },
    replies,
    close: () => servers.forEach((s) => s.close()),
  };
}

if (require.main === module && process.send) {
  process.once('message', (job: SshSimJob) => {
    startSshSim(job)
      .then(({ ready, replies }) => {
        process.send!({ ready });
        process.on('message', (message: { stats?: true }) => {
          if (message.stats) process.send!({ stats: { recordings: replies.recordings() } });
        });
      })
      .catch((error: unknown) => process.send!({ error: (error as Error).message ?? String(error) }, () => process.exit(1)));
  });
  // The harness ends this process when it is done (or when it goes away).
  process.on('disconnect', () => process.exit(0));
}
