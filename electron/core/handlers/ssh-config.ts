import type { CallHandlers } from '../../../shared/contract';
import { ContractError } from '../../../shared/dispatch';
import { defaultSshConfigPath, readSshConfig, type SshConfigRead } from '../inventory/ssh-config-import';
import type { EngineContext } from './context';

async function read(ctx: EngineContext, file: string): Promise<SshConfigRead> {
  try {
    return await readSshConfig(file, new Set(ctx.fleet.ids()));
  } catch (error) {
    throw new ContractError('bad-request', (error as Error).message);
  }
}

export function sshConfigHandlers(ctx: EngineContext): Pick<CallHandlers, 'sshConfig:read' | 'sshConfig:pick' | 'sshConfig:import'> {
  return {
    'sshConfig:read': async ({ path }) => {
      const file = path ?? defaultSshConfigPath();
      const { candidates, warnings } = await read(ctx, file);
      return { path: file, candidates: candidates.map(({ node: _node, ...candidate }) => candidate), warnings };
    },
    // Only the desktop shell has a file picker; it replaces this handler (electron/main).
    'sshConfig:pick': async () => {
      throw new ContractError('unavailable', 'choosing a file needs the desktop app; type the path of the config instead');
    },
    'sshConfig:import': async ({ path, aliases }) => {
      const { candidates } = await read(ctx, path ?? defaultSshConfigPath());
      const added: string[] = [];
      const skipped: Array<{ alias: string; reason: string }> = [];
      for (const alias of aliases) {
        const candidate = candidates.find((c) => c.alias === alias);
        if (!candidate) skipped.push({ alias, reason: 'no such Host in the file' });
        else if (candidate.known) skipped.push({ alias, reason: 'already in the inventory' });
        else if (!candidate.node) skipped.push({ alias, reason: candidate.problem ?? 'not importable' });
        else {
          ctx.addToInventory(candidate.node);
          added.push(alias);
        }
      }
      ctx.publishStates();
      return { added, skipped };
    },
  };
}
