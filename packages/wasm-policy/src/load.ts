// Reading a policy file and everything it `extends`, relative to the file
// that names it. Cycles are reported with the chain that forms them.

import { readFile as fsReadFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type Diagnostic, hasErrors, joinPointer, quote } from './diagnostics.js';
import type { ExtensionRegistry } from './extension.js';
import { mergePolicies } from './merge.js';
import type { PolicyDocument } from './model.js';
import { parseSource, type SourceLimits } from './source.js';
import { validatePolicy } from './validate.js';

export interface LoadOptions {
  registry?: ExtensionRegistry;
  limits?: Partial<SourceLimits>;
  /** Directory relative `fs://` URIs resolve against (default: the file's directory). */
  baseDir?: string;
  /** How deep `extends` may nest. */
  maxExtendsDepth?: number;
  /** Read a file as UTF-8 text (default: node:fs). */
  readFile?: (path: string) => Promise<string>;
}

export interface LoadResult {
  /** The merged document; present when there are no errors. */
  readonly document: PolicyDocument | undefined;
  readonly diagnostics: readonly Diagnostic[];
  /** Every file read, the named one first. */
  readonly files: readonly string[];
}

/** Load a policy file and merge what it extends beneath it. */
export async function loadPolicyFile(path: string, options: LoadOptions = {}): Promise<LoadResult> {
  const read = options.readFile ?? ((p: string) => fsReadFile(p, 'utf8'));
  const maxDepth = options.maxExtendsDepth ?? 16;
  const diagnostics: Diagnostic[] = [];
  const files: string[] = [];

  const load = async (
    file: string,
    chain: string[],
    from?: { file: string; pointer: string; line: number; column: number },
  ): Promise<PolicyDocument | undefined> => {
    const fail = (code: string, message: string, help?: string) => {
      diagnostics.push({
        code,
        severity: 'error',
        message,
        ...(help ? { help } : {}),
        pointer: from?.pointer ?? '',
        line: from?.line ?? 0,
        column: from?.column ?? 0,
        file: from?.file ?? file,
      });
      return undefined;
    };
    if (chain.includes(file)) {
      return fail(
        'extends-cycle',
        `\`extends\` forms a cycle: ${[...chain, file].map((f) => quote(f)).join(' -> ')}`,
        'remove one of the `extends` entries',
      );
    }
    if (chain.length > maxDepth)
      return fail('extends-too-deep', `\`extends\` nests more than ${maxDepth} files`);
    let text: string;
    try {
      text = await read(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT'
          ? 'it does not exist'
          : code === 'EACCES'
            ? 'permission denied'
            : String((error as Error).message ?? error);
      return fail('file-unreadable', `cannot read policy file ${quote(file)}: ${why}`);
    }
    files.push(file);
    const parsed = parseSource(text, {
      file,
      ...(options.limits ? { limits: options.limits } : {}),
    });
    diagnostics.push(...parsed.diagnostics);
    if (!parsed.tree) return undefined;
    const tree = parsed.tree;
    const baseDir = chain.length === 0 && options.baseDir ? options.baseDir : dirname(file);
    const result = validatePolicy(tree, {
      file,
      baseDir,
      ...(options.registry ? { registry: options.registry } : {}),
    });
    diagnostics.push(...result.diagnostics);
    const doc = result.document;
    if (!doc) return undefined;
    let merged: PolicyDocument | undefined;
    for (const [i, rel] of doc.extends.entries()) {
      const pointer = Array.isArray((tree.value as Record<string, unknown>)?.extends)
        ? joinPointer('/extends', i)
        : '/extends';
      const pos = tree.at(pointer);
      const base = await load(resolve(dirname(file), rel), [...chain, file], {
        file,
        pointer,
        ...pos,
      });
      if (!base) return undefined;
      merged = merged ? mergePolicies(merged, base, options.registry) : base;
    }
    return merged ? mergePolicies(merged, doc, options.registry) : doc;
  };

  const document = await load(resolve(path), []);
  return { document: hasErrors(diagnostics) ? undefined : document, diagnostics, files };
}
