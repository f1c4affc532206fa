// Runs jco's transpiler on the component bytes it is given and posts back
// the generated files (see transpile.ts).

import { parentPort, workerData } from 'node:worker_threads';
import { transpileBytes } from '@bytecodealliance/jco-transpile';

// Changing these options changes what is generated: bump the options
// revision in FORMAT (transpile.ts) with them.
try {
  const { files } = await transpileBytes(workerData as Uint8Array, {
    name: 'component',
    instantiation: 'sync',
    emitTypescriptDeclarations: false,
    wasiShim: false,
    nodejsCompat: false,
    tlaCompat: false,
    noComponentErrorWrapping: false,
  });
  parentPort!.postMessage({ value: files });
} catch (error) {
  parentPort!.postMessage({ error: (error as Error)?.message ?? String(error) });
}
