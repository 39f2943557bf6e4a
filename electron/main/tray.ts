/**
 * The tray icon: its colour and tooltip follow the engine's state, its last tick and the worst
 * active alert; its menu shows the window or quits.
 */
import { Menu, Tray, nativeImage, type NativeImage } from 'electron';
import type { EngineStatus } from '../../shared/contract';
import type { AlertSeverity, AlertSummary } from '../../shared/model/alerts';
import { TRAY_COLORS, renderDotPng, type TrayVariant } from './tray-icon';

/** Windows cuts tooltips at 127 characters. */
const MAX_TOOLTIP = 120;

/**
 * The engine's own state, and nodes in trouble: a running engine with nodes down is not green.
 * An active alert (firing, not acknowledged, silenced, snoozed or suppressed) shows its severity.
 */
export function trayVariant(state: EngineStatus['state'], troubledNodes = 0, worstAlert: AlertSeverity | null = null): TrayVariant {
  if (state === 'stopped') return 'stopped';
  if (worstAlert) return worstAlert;
  if (state === 'running' && troubledNodes === 0) return 'running';
  return 'degraded'; // starting counts as not-yet-healthy
}

const defaultFormatTime = (ms: number) => new Date(ms).toLocaleTimeString();

/** "; alerts: 1 critical, 2 warning" for the firing alerts, or ''. */
export function alertsText(alerts: AlertSummary | null): string {
  if (!alerts) return '';
  const parts = (['critical', 'warning', 'info'] as const)
    .filter((severity) => alerts.firing[severity] > 0)
    .map((severity) => `${alerts.firing[severity]} ${severity}`);
  return parts.length === 0 ? '' : `; alerts: ${parts.join(', ')}`;
}

/** e.g. "Clusterdeck: degraded; alerts: 1 critical (node-1 gpu: nvidia-smi timed out), last tick 12:00:05". */
export function trayTooltip(status: EngineStatus, formatTime: (ms: number) => string = defaultFormatTime, alerts: AlertSummary | null = null): string {
  const troubled = status.nodes?.troubled ?? 0;
  const nodes = troubled === 0 ? '' : `; ${troubled} node${troubled === 1 ? '' : 's'} down: ${status.nodes!.nodes.map((n) => n.id).join(', ')}`;
  const problem = (status.state === 'degraded' && status.lastError ? ` (${status.lastError})` : '') + nodes;
  const lastTick = status.lastTickAt === null ? 'no tick yet' : `last tick ${formatTime(status.lastTickAt)}`;
  const head = `Clusterdeck: ${status.state}${alertsText(alerts)}`;
  const tail = `, ${lastTick}`;
  const room = MAX_TOOLTIP - head.length - tail.length;
  let detail = problem;
  if (problem.length > room) {
    const cut = `${problem.slice(0, Math.max(0, room - 2))}…`;
    detail = problem.startsWith(' (') && !cut.includes(')') ? `${cut})` : cut;
  }
  return `${head}${detail}${tail}`;
}

function iconFor(variant: TrayVariant): NativeImage {
  // Drawn at 32px and declared 2x: crisp at the usual 16px logical tray size.
  return nativeImage.createFromBuffer(renderDotPng(32, TRAY_COLORS[variant]), { scaleFactor: 2 });
}

export interface StatusTray {
  update(status: EngineStatus): void;
  /** The engine's 'alerts:changed': the icon shows the worst active severity. */
  setAlerts(summary: AlertSummary): void;
  destroy(): void;
}

export function createStatusTray(initial: EngineStatus, actions: { showWindow(): void; quit(): void }): StatusTray {
  let status = initial;
  let alerts: AlertSummary | null = null;
  let variant = trayVariant(initial.state, initial.nodes?.troubled);
  const tray = new Tray(iconFor(variant));
  tray.setToolTip(trayTooltip(initial));
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Show window', click: () => actions.showWindow() },
      { type: 'separator' },
      { label: 'Quit Clusterdeck', click: () => actions.quit() },
    ]),
  );
  // Windows and macOS: a plain click brings the window (Linux app indicators only show the menu).
  tray.on('click', () => actions.showWindow());

  const render = () => {
    if (tray.isDestroyed()) return;
    const next = trayVariant(status.state, status.nodes?.troubled, alerts?.worst ?? null);
    if (next !== variant) {
      variant = next;
      tray.setImage(iconFor(variant));
    }
    tray.setToolTip(trayTooltip(status, defaultFormatTime, alerts));
  };

  return {
    update(next) {
      status = next;
      render();
    },
    setAlerts(summary) {
      alerts = summary;
      render();
    },
    destroy() {
      if (!tray.isDestroyed()) tray.destroy();
    },
  };
}
