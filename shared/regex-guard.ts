/**
 * The one guard on regular expressions that users and shared files bring (alert rules, silences,
 * compliance policies): refuses the shapes that make a backtracking engine take exponential time.
 * Pure; runs everywhere.
 */
/**
 * A quantified group that itself contains a quantifier ((a+)+, (a|b*){2,}) or alternatives
 * ((a|a)+, (\w|\d)+: they may overlap), or a backreference: the shapes that make a
 * backtracking engine take exponential time.
 */
export function unsafeRegexReason(source: string): string | null {
  // Per open group: whether it holds a quantifier, and whether it holds a `|`.
  const groups: Array<{ quantified: boolean; alternation: boolean }> = [];
  let inClass = false;
  for (let i = 0; i < source.length; i += 1) {
    const c = source[i]!;
    if (c === '\\') {
      if (!inClass && /[1-9k]/.test(source[i + 1] ?? '')) return 'backreferences are not allowed';
      i += 1;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    const top = groups[groups.length - 1];
    if (c === '[') inClass = true;
    else if (c === '(') groups.push({ quantified: false, alternation: false });
    else if (c === '|') {
      if (top) top.alternation = true;
    } else if (c === ')') {
      const inside = groups.pop() ?? { quantified: false, alternation: false };
      const next = source[i + 1];
      const quantifiedGroup = next === '+' || next === '*' || next === '{';
      if (inside.quantified && quantifiedGroup) return 'a repeated group that itself repeats (like (a+)+) can take exponential time';
      if (inside.alternation && quantifiedGroup)
        return 'a repeated group with alternatives (like (a|a)+) can take exponential time; repeat a character class ([ab]+) instead';
      const parent = groups[groups.length - 1];
      if (parent) {
        if (inside.quantified || quantifiedGroup) parent.quantified = true;
        if (inside.alternation) parent.alternation = true;
      }
    } else if ((c === '+' || c === '*' || c === '{') && top) top.quantified = true;
  }
  return null;
}
