/**
 * Which sinks a run gets. Headless (`serve`, `run`): notify-send where a desktop session bus
 * exists and desktop notifications are on, and the webhook when one is configured. The desktop
 * app adds its own Electron sink to webhookOnly().
 */
import type { Config } from '../../../shared/config';
import type { NotificationSink } from '../alerts/types';
import { notifySendAvailable, notifySendSink } from './notify-send';
import { webhookSink, type WebhookOptions } from './webhook';

type Settings = Config['notifications'];

export function webhookOnly(settings: Settings, options: WebhookOptions): NotificationSink[] {
  return settings.webhook ? [webhookSink(settings.webhook, options)] : [];
}

export function headlessSinks(settings: Settings, env: NodeJS.ProcessEnv, options: WebhookOptions): NotificationSink[] {
  const sinks: NotificationSink[] = [];
  const command = settings.desktop ? notifySendAvailable(env) : null;
  if (command) sinks.push(notifySendSink({ command, env }));
  return [...sinks, ...webhookOnly(settings, options)];
}

/**
 * The dispatcher's per-send limit for these settings: every webhook attempt with its back-off
 * (capped at 30 s each), and at least 10 s for a local notifier.
 */
export function dispatchTimeoutMs(settings: Settings, backoffMs = 500): number {
  const webhook = settings.webhook;
  if (!webhook) return 10_000;
  let total = 0;
  for (let i = 0; i <= webhook.retries; i += 1) total += webhook.timeoutMs + (i < webhook.retries ? Math.min(30_000, backoffMs * 2 ** i) : 0);
  return Math.max(10_000, total + 1000);
}
