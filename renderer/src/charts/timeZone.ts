/** The viewer's time zone, as charts name it: "UTC+01:00 Europe/Berlin" (the offset at a time). */
export function utcOffsetLabel(atMs: number): string {
  const offsetMin = -new Date(atMs).getTimezoneOffset();
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export function timeZoneName(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone ?? '';
  } catch {
    return '';
  }
}

export function timeZoneLabel(atMs: number): string {
  const name = timeZoneName();
  const offset = utcOffsetLabel(atMs);
  return name && name !== 'UTC' ? `${offset} ${name}` : offset;
}
