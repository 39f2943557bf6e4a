/**
 * What every sink shows for a notification: a title and a body of bounded length, with control
 * characters (and bidi overrides, which can disguise text) taken out.
 */
import type { Notification } from '../alerts/types';

export const TITLE_MAX_CHARS = 200;
export const BODY_MAX_CHARS = 2000;

/** Control characters except newline and tab, and the bidi embedding/override/isolate marks. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Strips unsafe characters (tabs become spaces) and cuts to `max` characters with an ellipsis. */
export function cleanText(text: string, max: number, multiline: boolean): string {
  let clean = text.replace(UNSAFE, '').replace(/\t/g, ' ');
  if (!multiline) clean = clean.replace(/\s*\n\s*/g, ' ');
  clean = clean.trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** "Resolved: ..." for a resolution (unless the title says so already). */
export function notificationTitle(n: Notification): string {
  const title = n.kind === 'resolved' && !/^resolved\b/i.test(n.title) ? `Resolved: ${n.title}` : n.title;
  return cleanText(title, TITLE_MAX_CHARS, false);
}

/** The node (when the title does not name it already), then the decoded text. */
export function notificationBody(n: Notification): string {
  const node = n.nodeId !== null && !n.title.includes(n.nodeId) ? `Node ${n.nodeId}\n` : '';
  return cleanText(`${node}${n.body}`, BODY_MAX_CHARS, true);
}
