/**
 * In the desktop app the renderer never names a file for the engine to read: an ssh config comes
 * from the OS file picker (or is the default ~/.ssh/config). The renderer may be compromised
 * (hostile text from a node that got past React), and a free path would let it read any file the
 * user can, or name a FIFO. The picked paths are remembered here; read and import take only those.
 */
import type { CallHandlers } from '../../shared/contract';
import { ContractError } from '../../shared/dispatch';

/** Shows the picker; resolves to the chosen file, or null when the user cancelled. */
export type PickFile = () => Promise<string | null>;

export function withSshConfigPicker(handlers: CallHandlers, pickFile: PickFile): CallHandlers {
  const picked = new Set<string>();
  const allowed = (path: string | undefined) => {
    if (path !== undefined && !picked.has(path)) {
      throw new ContractError('bad-request', 'in the desktop app an ssh config is chosen with "Choose file…"; typed paths are not read');
    }
  };
  return {
    ...handlers,
    'sshConfig:pick': async () => {
      const path = await pickFile();
      if (path !== null) picked.add(path);
      return { path };
    },
    'sshConfig:read': async (request) => {
      allowed(request.path);
      return handlers['sshConfig:read'](request);
    },
    'sshConfig:import': async (request) => {
      allowed(request.path);
      return handlers['sshConfig:import'](request);
    },
  };
}
