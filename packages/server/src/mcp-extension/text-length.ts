// Lengths in characters (code points), so a limit means the same for every
// script; `.length` alone would count an emoji twice.

/** Characters of `text`; `.length` when there are no surrogate pairs. */
export function textLength(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** Is `text` longer than `max` characters? Counts only when `.length` cannot tell. */
export function longerThan(text: string, max: number): boolean {
  return text.length > max && textLength(text) > max;
}
