/**
 * Headless desktop notifications through `notify-send` (libnotify), for `serve` and `run` on a
 * machine with a desktop session. Always an argv array, never a shell; the text is cleaned and
 * bounded, and the body's markup characters escaped (most notification servers read the body as
 * a small subset of HTML).
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { AlertSeverity } from '../../../shared/model/alerts';
import type { Notification, NotificationSink } from '../alerts/types';
import { notificationBody, notificationTitle } from './format';

export const APP_NAME = 'Clusterdeck';

const URGENCY: Readonly<Record<AlertSeverity, 'low' | 'normal' | 'critical'>> = { critical: 'critical', warning: 'normal', info: 'low' };

/** notify-send reads `--` as the end of its options, so a title starting with '-' stays a title. */
export function notifySendArgs(n: Notification): string[] {
  return [
    `--app-name=${APP_NAME}`,
    `--urgency=${URGENCY[n.severity]}`,
    '--category=device.error',
    '--',
    notificationTitle(n),
    escapeMarkup(notificationBody(n)),
  ];
}

/** libnotify reads a body as markup: its text is escaped to stay text. */
export function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The executable `name` on env's PATH, or null. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue; // a relative PATH entry would depend on our cwd
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** A desktop session bus to talk to, and notify-send to talk through: its path, or null. */
export function notifySendAvailable(env: NodeJS.ProcessEnv): string | null {
  if (!env.DBUS_SESSION_BUS_ADDRESS) return null;
  return findOnPath('notify-send', env);
}

export interface NotifySendOptions {
  /** The notify-send to run (from notifySendAvailable). */
  command: string;
  /** Its environment (the session bus address). */
  env: NodeJS.ProcessEnv;
}

export function notifySendSink({ command, env }: NotifySendOptions): NotificationSink {
  return {
    name: 'notify-send',
    send(n, signal) {
      return new Promise((resolve, reject) => {
        execFile(command, notifySendArgs(n), { env, signal, maxBuffer: 64 * 1024, windowsHide: true }, (error, _stdout, stderr) => {
          if (!error) return resolve();
          const detail = String(stderr).trim().split('\n')[0]?.slice(0, 200);
          reject(new Error(`notify-send failed${detail ? `: ${detail}` : `: ${error.message}`}`));
        });
      });
    },
  };
}
