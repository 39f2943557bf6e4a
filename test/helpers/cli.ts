import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'electron', 'server', 'cli.js');

function assertBuilt(withUi = false): void {
  if (!existsSync(CLI) || (withUi && !existsSync(join(ROOT, 'dist', 'renderer', 'index.html')))) {
    throw new Error('the app is not built: run `npm run build` first (`npm test` does)');
  }
}

/** An environment with its own empty XDG folders, so no test reads the user's real config or data. */
export function isolatedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'cd-home-'));
  return { ...process.env, XDG_CONFIG_HOME: join(home, 'config'), XDG_DATA_HOME: join(home, 'data'), ...extra };
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = isolatedEnv()): CliResult {
  assertBuilt();
  const result = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  origin: string;
  token: string;
  stderr: () => string;
  stop(): Promise<void>;
}

/** Starts `clusterdeck serve` and resolves once it has printed its URL. */
export function startServe(args: string[], env: NodeJS.ProcessEnv = isolatedEnv()): Promise<ServeProcess> {
  assertBuilt(true);
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve printed no URL within 30 s; stderr:\n${stderr}`));
    }, 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before printing a URL; stderr:\n${stderr}`));
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /serving on (http:\/\/\S+)/.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const url = new URL(match[1]!);
      resolve({
        child,
        url: url.toString(),
        origin: url.origin,
        token: url.searchParams.get('token')!,
        stderr: () => stderr,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
