/**
 * The crosshair shared by the page's charts: hovering one publishes its time, and every chart
 * draws a vertical line there. Published at most once a frame.
 */
type Listener = (timeMs: number | null) => void;

const listeners = new Set<Listener>();
let pending: number | null = null;
let scheduled = false;

export function subscribeCrosshair(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function publishCrosshair(timeMs: number | null): void {
  pending = timeMs;
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    for (const listener of listeners) listener(pending);
  });
}
