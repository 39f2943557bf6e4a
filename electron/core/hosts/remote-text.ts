/**
 * Text that came from a node, in messages: a bounded list of warnings and a safe quotation. Shared
 * by the hosts' framing (sections.ts) and the collectors' parsers (collectors/linux/parse-support.ts).
 */

/** Beyond this many, warnings are counted, not kept: hostile input must not grow memory. */
const MAX_WARNINGS = 20;
const MAX_QUOTED_CHARS = 60;

/** A collecting list of warnings with a cap; `list` is what parsers hand back. */
export class Warnings {
  readonly list: string[] = [];
  private dropped = 0;

  add(message: string): void {
    if (this.list.length < MAX_WARNINGS) {
      this.list.push(message);
      return;
    }
    this.dropped += 1;
    const summary = `... and ${this.dropped} more warning${this.dropped === 1 ? '' : 's'}`;
    if (this.list.length === MAX_WARNINGS) this.list.push(summary);
    else this.list[MAX_WARNINGS] = summary;
  }
}

/** A piece of remote text made safe to put in a warning: JSON-quoted and cut short. */
export function quote(text: string): string {
  const cut = text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}...` : text;
  return JSON.stringify(cut);
}
