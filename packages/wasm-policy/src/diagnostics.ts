// Diagnostics: what parse, validate, merge and load report about user input.
// A diagnostic never throws; it points at the input (line, column, JSON Pointer).

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  /** Stable identifier, e.g. `unknown-key`; safe to match on. */
  readonly code: string;
  readonly severity: Severity;
  /** Lowercase sentence; user input appears in backticks. */
  readonly message: string;
  /** How to fix it, e.g. "did you mean `network`?". */
  readonly help?: string;
  /** JSON Pointer (RFC 6901) into the document, `""` for the whole document. */
  readonly pointer: string;
  /** 1-based; 0 when the document has no text position (built in code). */
  readonly line: number;
  readonly column: number;
  readonly file?: string;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** `file:line:column: severity[code]: message` followed by an indented help line. */
export function formatDiagnostic(d: Diagnostic, fallbackFile = '<input>'): string {
  const where = `${d.file ?? fallbackFile}:${d.line}:${d.column}`;
  const head = `${where}: ${d.severity}[${d.code}]: ${d.message}`;
  return d.help ? `${head}\n  help: ${d.help}` : head;
}

export function escapePointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function joinPointer(base: string, ...tokens: Array<string | number>): string {
  let out = base;
  for (const t of tokens) out += `/${escapePointerToken(t)}`;
  return out;
}

/** Quote user input for a message: backticks, shortened, control characters escaped. */
export function quote(value: unknown, max = 80): string {
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined) text = String(value);
  text = text.replace(/[\u0000-\u001f\u007f`]/g, (c) =>
    c === '`' ? "'" : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  if (text.length > max) text = `${text.slice(0, max - 1)}…`;
  return `\`${text}\``;
}

/** Edit distance counting an adjacent transposition as one edit (`raed` -> `read`). */
function distance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push(new Array<number>(b.length + 1).fill(0));
    rows[i]![0] = i;
  }
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The closest candidate to `input`, if it is close enough to be a likely typo. */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  const lower = input.toLowerCase();
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const score = distance(lower, c.toLowerCase());
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(input.length, best.length) / 3));
  return bestScore <= limit ? best : undefined;
}

export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const match = closest(input, candidates);
  return match === undefined ? undefined : `did you mean ${quote(match)}?`;
}
