/**
 * The `firewall` probe: ufw, nftables and iptables asked together (each needs root: sudo -n).
 * Active means some firewall filters: ufw says active, or nftables / iptables hold rules or a
 * DROP policy. Rule counts include every table (Docker's own rules count too).
 */
import type { ExecResult } from '../../hosts/host';
import type { Probe } from '../types';
import type { FirewallFact } from './facts';
import { asExec, execProblem, NEEDS_PRIVILEGE, notInstalled, oneRound, type ProbeProgram } from './program';
import { sourceLines, Warnings } from '../../collectors/linux/parse-support';

type FirewallProbe = Extract<Probe, { kind: 'firewall' }>;

export function unknownFirewall(_probe: FirewallProbe, problem: string): FirewallFact {
  return { kind: 'firewall', active: null, tool: null, rules: null, ufw: null, nftables: null, iptables: null, problem, warnings: [] };
}

/** `ufw status verbose` (or numbered): active, and the rows under the `--` header. Pure. */
export function parseUfwStatus(stdout: string, warnings: Warnings): { active: boolean; rules: number } | null {
  const lines = sourceLines(stdout, 'ufw status', warnings) ?? [];
  const status = lines.map((l) => /^Status: (\w+)/.exec(l)).find(Boolean);
  if (!status) return null;
  const header = lines.findIndex((l) => /^\s*--\s+-+/.test(l));
  const rules = header === -1 ? 0 : lines.slice(header + 1).filter((l) => l.trim() !== '').length;
  return { active: status[1] === 'active', rules };
}

/** `nft list ruleset`: rules (statements in chains) and chains. Pure. */
export function parseNftRuleset(stdout: string, warnings: Warnings): { rules: number; chains: number; dropPolicies: number } {
  let rules = 0;
  let chains = 0;
  let dropPolicies = 0;
  // What each open brace is: a chain's body counts its direct statements.
  const stack: ('chain' | 'other')[] = [];
  for (const raw of sourceLines(stdout, 'nft list ruleset', warnings) ?? []) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.endsWith('{')) {
      const isChain = /^chain\s/.test(line);
      if (isChain) chains += 1;
      stack.push(isChain ? 'chain' : 'other');
      continue;
    }
    if (line === '}') {
      stack.pop();
      continue;
    }
    if (stack.at(-1) !== 'chain') continue;
    if (/^type\s.*\bhook\b/.test(line)) {
      if (/\bpolicy\s+drop\b/.test(line)) dropPolicies += 1;
      continue;
    }
    if (/^(?:policy|comment|devices)\s/.test(line)) continue;
    rules += 1;
  }
  return { rules, chains, dropPolicies };
}

/** `iptables-save`: `-A` rules, and built-in chains with a DROP policy. Pure. */
export function parseIptablesSave(stdout: string, warnings: Warnings): { rules: number; dropPolicies: number; tables: number } {
  let rules = 0;
  let dropPolicies = 0;
  let tables = 0;
  for (const line of sourceLines(stdout, 'iptables-save', warnings) ?? []) {
    if (line.startsWith('-A ')) rules += 1;
    else if (line.startsWith('*')) tables += 1;
    else if (/^:\S+ DROP /.test(line)) dropPolicies += 1;
  }
  return { rules, dropPolicies, tables };
}

/** The three tools' results as the fact. Pure. */
export function firewallFact(ufw: ExecResult, nft: ExecResult, iptables: ExecResult): FirewallFact {
  const warnings = new Warnings();
  const problems = [execProblem(ufw, 'ufw'), execProblem(nft, 'nft'), execProblem(iptables, 'iptables-save')];
  const ufwState = problems[0] === null ? parseUfwStatus(ufw.stdout, warnings) : null;
  const nftState = problems[1] === null && nft.exitCode === 0 ? parseNftRuleset(nft.stdout, warnings) : null;
  const iptState = problems[2] === null && iptables.exitCode === 0 ? parseIptablesSave(iptables.stdout, warnings) : null;
  const fact: FirewallFact = {
    kind: 'firewall',
    active: null,
    tool: null,
    rules: null,
    ufw: ufwState,
    nftables: nftState && { rules: nftState.rules, chains: nftState.chains },
    iptables: iptState && { rules: iptState.rules, dropPolicies: iptState.dropPolicies },
    problem: null,
    warnings: warnings.list,
  };
  if (ufwState?.active) return { ...fact, active: true, tool: 'ufw', rules: ufwState.rules };
  if (nftState && (nftState.rules > 0 || nftState.dropPolicies > 0)) return { ...fact, active: true, tool: 'nftables', rules: nftState.rules };
  if (iptState && (iptState.rules > 0 || iptState.dropPolicies > 0)) return { ...fact, active: true, tool: 'iptables', rules: iptState.rules };
  if (ufwState || nftState || iptState) {
    // One tool that answered and nothing filtering is a finding only when no tool was refused.
    if (problems.includes(NEEDS_PRIVILEGE)) return { ...fact, problem: NEEDS_PRIVILEGE };
    return { ...fact, active: false, rules: 0 };
  }
  // None of the three installed: nothing can be filtering (the kernel has no rules without a tool to load them).
  if ([ufw, nft, iptables].every(notInstalled)) return { ...fact, active: false, rules: 0 };
  return { ...fact, problem: problems.includes(NEEDS_PRIVILEGE) ? NEEDS_PRIVILEGE : 'no firewall tool (ufw, nft, iptables-save) answered' };
}

export function firewallProgram(_probe: FirewallProbe): ProbeProgram<FirewallFact> {
  return oneRound(
    [
      { kind: 'exec', program: 'ufw', args: ['status', 'verbose'], sudo: true },
      { kind: 'exec', program: 'nft', args: ['list', 'ruleset'], sudo: true },
      { kind: 'exec', program: 'iptables-save', args: [], sudo: true },
    ],
    ([u, n, i]) => firewallFact(asExec(u), asExec(n), asExec(i)),
  );
}
