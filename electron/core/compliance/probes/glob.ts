/** fnmatch(3) of one path component: `*`, `?`, `[abc]`, `[a-z]`, `[!x]` (what sshd's Include globs use). */

const MAX_PATTERN = 256;

/** Whether `pattern` has a wildcard. */
export function hasWildcard(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** A whole-name match; a leading dot is matched only by a pattern starting with one (glob(3)). */
export function globMatch(pattern: string, name: string): boolean {
  if (pattern.length > MAX_PATTERN || name.length > MAX_PATTERN) return false;
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i]!;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) source += '\\[';
      else {
        let body = pattern.slice(i + 1, end);
        const negate = body.startsWith('!') || body.startsWith('^');
        if (negate) body = body.slice(1);
        source += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
        i = end;
      }
    } else source += c.replace(/[.*+?^${}()|[\]\\/-]/g, (m) => `\\${m}`);
  }
  try {
    return new RegExp(`^${source}$`, 'u').test(name);
  } catch {
    return false;
  }
}
