/**
 * Alert notifications through Electron's Notification API (the OS's own), and what a click on
 * one does: bring the window and open that alert on the alerts page (`#/alerts/ID`).
 */
import type { BrowserWindow, NotificationConstructorOptions } from 'electron';
import type { AlertSeverity } from '../../shared/model/alerts';
import type { NotificationSink } from '../core/alerts/types';
import type { Logger } from '../core/log';
import { notificationBody, notificationTitle } from '../core/notify/format';
import { escapeMarkup } from '../core/notify/notify-send';
import { APP_ENTRY_URL } from './app-url';

/** Electron's Notification class, as this module uses it (the tests pass the fake's). */
export interface NotificationClass {
  new (options: NotificationConstructorOptions): ShownNotification;
  isSupported(): boolean;
}

interface ShownNotification {
  show(): void;
  on(event: 'click', listener: () => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

export interface ElectronSinkOptions {
  Notification: NotificationClass;
  /** A click: the alert to open (a summary's first), or null for the alerts page. */
  onClick(alertId: number | null): void;
  /** Default: this machine's. On Linux the body is markup to libnotify, so it is escaped. */
  platform?: NodeJS.Platform;
}

const URGENCY: Readonly<Record<AlertSeverity, NonNullable<NotificationConstructorOptions['urgency']>>> = {
  critical: 'critical',
  warning: 'normal',
  info: 'low',
};

/**
 * Electron drops a notification's click handler once the object is garbage-collected, so the
 * ones still on screen are kept here (bounded: the oldest are let go).
 */
const MAX_LIVE = 50;

export function electronNotificationSink({ Notification, onClick, platform = process.platform }: ElectronSinkOptions): NotificationSink {
  const live = new Set<object>();
  return {
    name: 'desktop notifications',
    async send(n) {
      if (!Notification.isSupported()) throw new Error('this desktop has no notification service');
      const shown = new Notification({
        title: notificationTitle(n),
        body: platform === 'linux' ? escapeMarkup(notificationBody(n)) : notificationBody(n),
        // Linux: critical stays until dismissed; Windows: timeoutType never does the same.
        urgency: URGENCY[n.severity],
        timeoutType: n.severity === 'critical' ? 'never' : 'default',
        silent: n.severity === 'info',
      });
      live.add(shown);
      if (live.size > MAX_LIVE) live.delete(live.values().next().value!);
      shown.on('click', () => {
        live.delete(shown);
        onClick(n.alertId);
      });
      shown.on('close', () => live.delete(shown));
      shown.show();
    },
  };
}

/** The renderer's route for an alert, or for the alerts page. */
export function alertPageUrl(alertId: number | null): string {
  return `${APP_ENTRY_URL}#/alerts${alertId !== null && Number.isSafeInteger(alertId) && alertId > 0 ? `/${alertId}` : ''}`;
}

/**
 * Opens the alert in the window: our own origin with the alert's hash (the renderer follows
 * hashchange), after the first load when the window was just created. No script is run in it.
 */
export function openAlertPage(window: BrowserWindow, alertId: number | null, log: Logger, justCreated: boolean): void {
  if (window.isDestroyed()) return;
  const go = () => {
    if (window.isDestroyed()) return;
    window.loadURL(alertPageUrl(alertId)).catch((error: unknown) => log.warn(`could not open the alert: ${(error as Error).message}`));
  };
  if (justCreated) window.webContents.once('did-finish-load', go);
  else go();
}
