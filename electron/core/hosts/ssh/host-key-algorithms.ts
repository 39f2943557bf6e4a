import type { ServerHostKeyAlgorithm } from 'ssh2';

/** ssh2's default host key algorithms, in its order of preference (DSA stays off). */
export const HOST_KEY_ALGORITHMS: readonly ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** The signature algorithms of a key type (an RSA key signs with SHA-2 or SHA-1). */
function algorithmsOfKeyType(type: string): readonly string[] {
  return type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];
}

/**
 * HostKeyAlgorithms as OpenSSH orders them: those of the key types already known for the host
 * first, the rest after, each group in the default order. A host that offers a known type and a
 * new one is then checked against the known key instead of looking like a new host.
 */
export function preferredHostKeyAlgorithms(knownTypes: readonly string[]): ServerHostKeyAlgorithm[] {
  const known = new Set(knownTypes.flatMap(algorithmsOfKeyType));
  return [...HOST_KEY_ALGORITHMS.filter((a) => known.has(a)), ...HOST_KEY_ALGORITHMS.filter((a) => !known.has(a))];
}
