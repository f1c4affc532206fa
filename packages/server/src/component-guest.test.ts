import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { functionsOf, readComponentInterface } from '@mcpkit/sandbox';
import { inspectComponent } from './commands/component.js';
import { componentToolName, componentTools } from './component-guest.js';
import { silentLogger } from './logging.js';
import { EXAMPLES, tempDir } from './testing.js';
import { parseWitDocs, witDocsFromDir } from './wit-docs.js';

const componentDir = (name: string) => join(EXAMPLES, 'components', name);
const interfaceOf = (name: string) =>
  readComponentInterface(readFileSync(join(componentDir(name), `${name}.wasm`)));

describe('tools of a component', () => {
  it('names tools as Wassette does', () => {
    assert.equal(componentToolName('', 'fetch'), 'fetch');
    assert.equal(componentToolName('', 'Get-Time'), 'get-time');
    assert.equal(
      componentToolName('mcpkit-examples:files/files@0.1.0', 'read-file'),
      'mcpkit-examples_files_files_0_1_0_read-file',
    );
    assert.equal(componentToolName('local:x/y@1.0.0-rc.1', 'z'), 'local_x_y_1_0_0-rc_1_z');
  });

  it('offers every function with a JSON form, and says why the others are not offered', () => {
    const { targets, skipped } = componentTools(functionsOf(interfaceOf('wit-types-js')));
    assert.equal(targets.size, 27);
    assert.deepEqual(
      skipped.map((s) => s.function.split('#')[1]),
      ['[constructor]counter', '[method]counter.increment', 'use-counter'],
    );
    assert.match(skipped[2]!.reason, /parameter `c` is a resource/);
  });

  it("leaves out componentize-py's initialisation hook", () => {
    const { targets, skipped } = componentTools(functionsOf(interfaceOf('py-tools')));
    assert.deepEqual([...targets.keys()].sort(), [
      'add',
      'get-current-time',
      'get-env',
      'read-file',
    ]);
    assert.deepEqual(
      skipped.map((s) => s.function),
      ['exports#init'],
    );
  });

  it('describes tools from WIT docs, else by their signature', () => {
    const withDocs = componentTools(
      functionsOf(interfaceOf('fetch-js')),
      witDocsFromDir(join(componentDir('fetch-js'), 'wit')),
    );
    assert.match(
      withDocs.targets.get('fetch')!.tool.description ?? '',
      /^Fetches `url` with an HTTP GET/,
    );
    const without = componentTools(functionsOf(interfaceOf('fetch-js')));
    assert.equal(
      without.targets.get('fetch')!.tool.description,
      'Calls `fetch`: func(url: string) -> result<string, string>',
    );
  });
});

describe('WIT doc comments', () => {
  it('attaches each /// block to the item after it, joining the lines of a paragraph', () => {
    const docs = new Map<string, string>();
    parseWitDocs(
      `package acme:tools@1.2.0;

/// The interface.
interface things {
  /// A record
  /// on two lines.
  ///
  /// A second paragraph.
  record thing {
    /// Its name.
    name: string,
    // not a doc comment
    size: u32,
  }

  /// Does it.
  do-it: func(t: thing) -> string;

  enum mode {
    /// Fast.
    fast,
    slow,
  }
}

world w {
  /// Top-level.
  export top: func();
}
`,
      docs,
    );
    assert.deepEqual(Object.fromEntries(docs), {
      'acme:tools/things@1.2.0': 'The interface.',
      'acme:tools/things@1.2.0#thing': 'A record on two lines.\n\nA second paragraph.',
      'acme:tools/things@1.2.0#thing.name': 'Its name.',
      'acme:tools/things@1.2.0#do-it': 'Does it.',
      'acme:tools/things@1.2.0#mode.fast': 'Fast.',
      '#top': 'Top-level.',
    });
  });

  it('is empty for a directory that does not exist', () => {
    assert.equal(witDocsFromDir(join(tempDir(), 'nothing')).size, 0);
  });
});

describe('component inspect', () => {
  it('shows a component file: its imports, exports, tools and what is left out', async () => {
    const r = await inspectComponent(
      { logger: silentLogger(), dataDir: tempDir() },
      join(componentDir('files-js'), 'files-js.wasm'),
    );
    assert.equal(r.kind, 'component');
    assert.ok((r.imports as string[]).some((i) => i.startsWith('wasi:filesystem/types@0.2')));
    assert.deepEqual(r.unsupportedImports, []);
    assert.ok(
      (r.exports as string[]).includes(
        'mcpkit-examples:files/files@0.1.0#read-file: func(path: string) -> result<string, string>',
      ),
    );
    assert.equal((r.tools as unknown[]).length, 9);
    assert.deepEqual(r.skipped, []);
  });
});
