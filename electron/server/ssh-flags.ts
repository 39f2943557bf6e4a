/**
 * The SSH node flags `collect` and `run` share: --ssh-config FILE with --host ALIAS... or
 * --all-hosts, --known-hosts FILE, --accept-new, --local.
 */
import { resolve } from 'node:path';
import type { SshNode } from '../../shared/model/inventory';
import type { EngineOptions } from '../core/engine';
import { readSshConfig } from '../core/inventory/ssh-config-import';
import { defaultKnownHostsFile } from '../core/paths';
import { UsageError } from './usage-error';

export interface SshFlags {
  sshConfig?: string;
  host?: string[];
  allHosts?: boolean;
  knownHosts?: string;
  acceptNew?: boolean;
  local?: boolean;
}

/** The SSH nodes the flags name, from the ssh config file (or none without --ssh-config). */
export async function sshNodesFromFlags(flags: Pick<SshFlags, 'sshConfig' | 'host' | 'allHosts'>): Promise<SshNode[]> {
  if (!flags.sshConfig) {
    if (flags.host?.length || flags.allHosts) throw new UsageError('--host and --all-hosts need --ssh-config FILE');
    return [];
  }
  if (!flags.allHosts && !flags.host?.length) throw new UsageError('--ssh-config needs --host ALIAS (repeatable) or --all-hosts');
  let read: Awaited<ReturnType<typeof readSshConfig>>;
  try {
    read = await readSshConfig(flags.sshConfig);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const wanted = flags.allHosts ? read.candidates.map((c) => c.alias) : flags.host!;
  return wanted.map((alias) => {
    const candidate = read.candidates.find((c) => c.alias === alias);
    if (!candidate) throw new UsageError(`no Host ${JSON.stringify(alias)} in ${flags.sshConfig}`);
    if (!candidate.node) throw new UsageError(`Host ${alias} cannot be collected: ${candidate.problem}`);
    return candidate.node;
  });
}

/** The engine options the flags give: the SSH nodes (plus this machine with --local, or alone without them) and host key trust. */
export function sshEngineOptions(
  flags: SshFlags,
  sshNodes: SshNode[],
): Pick<EngineOptions, 'includeLocal' | 'sshNodes' | 'knownHostsFile' | 'acceptNewHostKeys'> {
  return {
    includeLocal: sshNodes.length === 0 || flags.local === true,
    sshNodes,
    knownHostsFile: flags.knownHosts ? resolve(flags.knownHosts) : defaultKnownHostsFile(),
    acceptNewHostKeys: flags.acceptNew === true,
  };
}

/** Adds the SSH node flags to a command (commander). */
export function withSshFlags<T extends { option(flags: string, description: string): T }>(command: T): T {
  return command
    .option('--ssh-config <file>', 'OpenSSH client config to read SSH nodes from (e.g. ~/.ssh/config)')
    .option('--host <alias...>', 'Host aliases of the ssh config to collect (repeatable)')
    .option('--all-hosts', 'collect every Host alias of the ssh config')
    .option('--known-hosts <file>', "Clusterdeck's known_hosts file (default: in the data folder; ~/.ssh/known_hosts is also read)")
    .option('--accept-new', 'trust unknown host keys on first sight (like StrictHostKeyChecking=accept-new); changed keys are still refused')
    .option('--local', 'also collect this machine when collecting SSH nodes');
}
