/**
 * The engine's seam for compliance audits: runs a policy over nodes the engine already holds
 * (its HostRegistry), each over the node's existing connection, but through a Host with the
 * audit's own exec policy: the compliance probes' declarations, plus an approved policy's custom
 * commands (the collectors' policy allows neither). An SSH node is connected first, so its
 * verified host-key fingerprint goes into every result's evidence.
 */
import { approvalState, customCommandAccess, type PolicyApprovals } from './compliance/approval';
import { COMPLIANCE_ACCESS } from './compliance/command-specs';
import { runAudit, type AuditNode, type AuditRun, type RunAuditOptions } from './compliance/runner';
import type { Policy } from './compliance/types';
import { ExecPolicy } from './hosts/exec-policy';
import type { Host } from './hosts/host';
import { LocalHost } from './hosts/local';
import type { HostRegistry } from './hosts/registry';
import { SshHost } from './hosts/ssh/ssh-host';

/** What the audit needs of the engine. */
export interface AuditEngineParts {
  hosts: HostRegistry;
}

export interface EngineAuditOptions extends Omit<RunAuditOptions, 'nodes' | 'policy' | 'approvals'> {
  /** The nodes to audit, in this order (default: every node with a Host). */
  nodeIds?: readonly string[];
  approvals?: PolicyApprovals | null;
}

/** What an audit's Host may run and read: the probes' declarations and, once approved, the policy's own commands. */
export function auditExecPolicy(policy: Policy, approvals: PolicyApprovals | null): ExecPolicy {
  return ExecPolicy.of(COMPLIANCE_ACCESS, customCommandAccess(policy, approvalState(policy, approvals)));
}

/** A Host that answers nothing: a node the engine does not hold is reported, not skipped. */
function absentHost(id: string): Host {
  const refuse = () => Promise.reject(new Error(`no node ${id} in the engine`));
  return { id, kind: 'ssh', exec: refuse, readFile: refuse, read: refuse, stat: refuse, batch: refuse } as Host;
}

/** The node's Host again, over the same connection (SSH) or this machine, allowed what the audit reads. */
export function auditHost(host: Host, execPolicy: ExecPolicy): Host {
  if (host instanceof SshHost) return new SshHost(host.id, host.connection, execPolicy);
  if (host instanceof LocalHost) return new LocalHost(execPolicy, host.id);
  // A host of another kind keeps its own policy: the audit's reads it refuses become errors.
  return host;
}

/** Connects an SSH node (if not yet) and returns the fingerprint of the host key it verified; null for local or unreachable nodes. */
export async function hostKeyOf(host: Host): Promise<string | null> {
  if (!(host instanceof SshHost)) return null;
  try {
    await host.connection.ready();
  } catch {
    // Unreachable or refused: the audit's first batch fails the same way and says why.
    return null;
  }
  return host.connection.verifiedHostKey?.fingerprint ?? null;
}

/** Runs a policy over the engine's nodes; never rejects for a node's failure (it is `audited: false`). */
export async function auditNodes(parts: AuditEngineParts, policy: Policy, options: EngineAuditOptions = {}): Promise<AuditRun> {
  const approvals = options.approvals ?? null;
  const execPolicy = auditExecPolicy(policy, approvals);
  const ids = options.nodeIds ?? parts.hosts.ids();
  const nodes: AuditNode[] = await Promise.all(
    ids.map(async (nodeId) => {
      const host = parts.hosts.get(nodeId);
      if (!host) return { nodeId, host: absentHost(nodeId), hostKey: null };
      return { nodeId, host: auditHost(host, execPolicy), hostKey: await hostKeyOf(host) };
    }),
  );
  return runAudit({ ...options, policy, nodes, approvals });
}
