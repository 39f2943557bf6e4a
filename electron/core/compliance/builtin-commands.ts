/**
 * The read-only commands a policy's `command` leaf may name, by id. A policy never carries a
 * command line: it names one of these (or, in an imported and approved policy, a custom one).
 */
export interface BuiltinCommand {
  id: string;
  program: string;
  args: readonly string[];
  description: string;
  /** Under `sudo -n` (the fact needs root). */
  sudo?: boolean;
}

export const BUILTIN_COMMANDS: readonly BuiltinCommand[] = [
  { id: 'kernel-release', program: 'uname', args: ['-r'], description: 'the running kernel release' },
  { id: 'loaded-modules', program: 'cat', args: ['/proc/modules'], description: 'the loaded kernel modules' },
  {
    id: 'nvidia-persistenced-active',
    program: 'systemctl',
    args: ['is-active', 'nvidia-persistenced.service'],
    description: 'the NVIDIA persistence daemon runs',
  },
  { id: 'fabricmanager-active', program: 'systemctl', args: ['is-active', 'nvidia-fabricmanager.service'], description: 'the NVIDIA fabric manager runs' },
  { id: 'nvidia-smi-version', program: 'nvidia-smi', args: ['--version'], description: 'nvidia-smi, driver and CUDA versions' },
  { id: 'apparmor-enabled', program: 'cat', args: ['/sys/module/apparmor/parameters/enabled'], description: 'AppArmor is enabled in the kernel (Y)' },
  { id: 'selinux-mode', program: 'cat', args: ['/sys/fs/selinux/enforce'], description: 'SELinux enforcing (1) or permissive (0)' },
];

const BY_ID = new Map(BUILTIN_COMMANDS.map((c) => [c.id, c]));

export function builtinCommand(id: string): BuiltinCommand | undefined {
  return BY_ID.get(id);
}
