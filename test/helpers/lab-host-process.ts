/** A process run inside an SshLab host (its network, mount, UTS and PID namespaces), as a service on that node would run. */
import { spawn, type ChildProcess } from 'node:child_process';
import type { SshLab } from './ssh-lab';

/**
 * Runs argv inside the lab host until `ready` shows in its output (30 s at most) and returns it
 * still running; the caller kills it. When it exits or never gets ready it is killed and the
 * error carries its last output.
 */
export async function startInLabHost(lab: SshLab, host: string, argv: string[], ready: RegExp): Promise<ChildProcess> {
  const pid = lab.host(host).sshdPid;
  if (!pid) throw new Error(`lab host ${host} is not running`);
  const child = spawn('nsenter', ['--target', String(pid), '--net', '--mount', '--uts', '--pid', '--', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${argv[0]} in ${host} did not start:\n${output}`)), 30_000);
      const look = (chunk: Buffer) => {
        output = (output + chunk.toString('utf8')).slice(-4000);
        if (ready.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', look);
      child.stderr!.on('data', look);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${argv[0]} in ${host} exited (${code}):\n${output}`));
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return child;
}
