// Download progress on stderr: one line rewritten in place on a terminal,
// a line at each quarter otherwise (logs stay readable).

import type { Progress } from '../sources/artifact.js';

const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;

export function progressLine(stream: NodeJS.WriteStream = process.stderr): Progress {
  let quarter = -1;
  let lastLen = 0;
  return (received, total, what) => {
    const text = `downloading ${what}: ${mb(received)}${total ? ` of ${mb(total)}` : ''}`;
    if (stream.isTTY) {
      stream.write(`\r${text.padEnd(lastLen)}${received === total ? '\n' : ''}`);
      lastLen = text.length;
      return;
    }
    const q = total ? Math.floor((4 * received) / total) : quarter + 1;
    if (q === quarter) return;
    quarter = q;
    stream.write(`${text}\n`);
  };
}
