/**
 * Fake programs a lab host has in its own /usr/local/bin beside nvidia-smi (first on PATH for
 * login and non-login shells alike), e.g. a journalctl or dmesg replaying real captures: each a
 * /bin/sh script body. Note that the Host's batch script puts /usr/bin first on its own PATH, so a
 * program this machine has in /usr/bin is the real one inside a batch; plain exec finds the fake.
 */
import { chmodSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PROGRAM_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

export function checkFakeProgramName(hostName: string, program: string): void {
  if (!PROGRAM_NAME.test(program)) throw new Error(`fake program of ${hostName}: ${JSON.stringify(program)} is not a plain program name`);
  if (program === 'nvidia-smi') throw new Error(`fake program of ${hostName}: use the nvidiaSmi option for nvidia-smi`);
}

/** Installs (or, for null, removes) binDir/PROGRAM; atomic, so a running host never sees half a script. */
export function installFakeProgram(binDir: string, hostName: string, program: string, body: string | null): void {
  checkFakeProgramName(hostName, program);
  const target = join(binDir, program);
  if (body === null) {
    rmSync(target, { force: true });
    return;
  }
  const temp = join(binDir, `.${program}.new`);
  writeFileSync(temp, `#!/bin/sh\n# Fake ${program} of SSH lab host ${hostName} (test/helpers/ssh-lab).\n${body}\n`, { mode: 0o755 });
  chmodSync(temp, 0o755);
  renameSync(temp, target);
}
