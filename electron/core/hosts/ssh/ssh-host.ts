/**
 * A node reached over SSH, as a Host: commands the exec policy allows, run over the node's
 * persistent connection. The remote side runs exec requests through the user's shell, so every
 * argument is quoted; none is ever built into script text. Reads and stats go through the
 * constant batch script (batch-script.ts), which also carries several ops in one exec request.
 */
import { batchArgv, batchResults } from '../batch-script';
import type { ExecPolicy } from '../exec-policy';
import {
  checkBatch,
  DEFAULT_EXEC_TIMEOUT_MS,
  DEFAULT_MAX_OUTPUT_BYTES,
  readLimit,
  type BatchOp,
  type BatchOptions,
  type BatchResults,
  type ExecOptions,
  type ExecResult,
  type Host,
  type ReadOptions,
  type ReadResult,
  type StatResult,
} from '../host';
import { privilegedArgv, privilegedRemoteResult } from '../root-or-sudo';
import { shellQuote, type SshConnection } from './ssh-connection';

/** The command line of an argv: each word quoted for the remote POSIX shell. */
function commandLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

export class SshHost implements Host {
  readonly kind = 'ssh' as const;

  constructor(
    readonly id: string,
    readonly connection: SshConnection,
    private readonly policy: ExecPolicy,
  ) {}

  async exec(program: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    this.policy.check(program, args, { sudo: options.sudo });
    // Privileged: under `sudo -n`, unless the login user is root (the node decides, root-or-sudo.ts).
    const argv = options.sudo ? privilegedArgv(program, args) : [program, ...args];
    const result = await this.connection.exec(
      commandLine(argv),
      options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS,
      options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    );
    return options.sudo ? privilegedRemoteResult(result) : result;
  }

  async readFile(path: string, options: { maxBytes?: number } = {}): Promise<string> {
    this.policy.checkPath(path);
    const result = await this.connection.exec(`cat -- ${shellQuote(path)}`, DEFAULT_EXEC_TIMEOUT_MS, options.maxBytes ?? 4 * 1024 * 1024);
    if (result.exitCode !== 0) throw new Error(`cannot read ${path} on ${this.id}: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
    return result.stdout;
  }

  async read(path: string, options: ReadOptions = {}): Promise<ReadResult> {
    const [result] = await this.batch([{ kind: 'read', path, maxBytes: options.maxBytes }]);
    return result;
  }

  async stat(path: string): Promise<StatResult> {
    const [result] = await this.batch([{ kind: 'stat', path }]);
    return result;
  }

  async batch<const Ops extends readonly BatchOp[]>(ops: Ops, options: BatchOptions = {}): Promise<BatchResults<Ops>> {
    checkBatch(this.policy, ops);
    if (ops.length === 0) return [] as unknown as BatchResults<Ops>;
    const limits = ops.map((op) => (op.kind === 'read' ? readLimit(op.maxBytes) : 0));
    const run = await this.connection.exec(
      commandLine(batchArgv(ops, limits)),
      options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS,
      options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    );
    const results = batchResults(ops, run).map((result, i) =>
      ops[i]!.kind === 'exec' && ops[i]!.sudo ? privilegedRemoteResult(result as ExecResult) : result,
    );
    return results as BatchResults<Ops>;
  }
}
