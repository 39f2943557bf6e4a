import { generateKeyPairSync } from 'node:crypto';
import type { HostKey } from '../../electron/core/hosts/ssh/known-hosts';

/** A real ed25519 public key blob in SSH wire format (string type, string key). */
export function ed25519Key(): HostKey {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const type = Buffer.from('ssh-ed25519');
  const blob = Buffer.alloc(4 + type.length + 4 + raw.length);
  blob.writeUInt32BE(type.length, 0);
  type.copy(blob, 4);
  blob.writeUInt32BE(raw.length, 4 + type.length);
  raw.copy(blob, 8 + type.length);
  return { type: 'ssh-ed25519', blob };
}
