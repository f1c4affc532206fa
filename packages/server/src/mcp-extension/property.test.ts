import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nameGlobMatches, treeFromValue, validatePolicy } from '@mcpkit/wasm-policy';
import fc from 'fast-check';
import { CompiledMcp } from './compiled.js';
import { mcpExtension } from './extension.js';
import { type McpSection, NO_POSITION } from './model.js';
import { nameGlobCovers } from './name-glob.js';
import { registry } from './testing.js';

const part = fc.constantFrom('a', 'b', 'ab', '_', '/', '.', '*', '?', 'calc', '\\*');
const glob = fc.array(part, { minLength: 1, maxLength: 4 }).map((p) => p.join(''));
const name = fc
  .array(fc.constantFrom('a', 'b', '_', '/', '.', 'calc', '*', 'x'), { maxLength: 5 })
  .map((p) => p.join(''));
const rules = (names: string[]) => names.map((n) => ({ name: n, at: NO_POSITION }));

describe('properties', () => {
  it('tools.decide(name).allowed agrees with a plain reading of the rules', () => {
    fc.assert(
      fc.property(
        fc.array(glob, { maxLength: 8 }),
        fc.array(glob, { maxLength: 3 }),
        fc.array(name, { minLength: 1, maxLength: 10 }),
        (allow, deny, names) => {
          const tools = new CompiledMcp({ tools: { allow: rules(allow), deny: rules(deny) } })
            .tools!;
          for (const n of names) {
            const want =
              !deny.some((g) => nameGlobMatches(g, n)) && allow.some((g) => nameGlobMatches(g, n));
            assert.equal(tools.decide(n).allowed, want, `${n} against ${allow} / ${deny}`);
            assert.equal(tools.peek(n).allowed, want);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('name glob coverage is sound: a covered glob matches nothing its cover does not', () => {
    fc.assert(
      fc.property(
        glob,
        glob,
        fc.array(name, { minLength: 1, maxLength: 20 }),
        (outer, inner, names) => {
          if (!nameGlobCovers(outer, inner)) return;
          for (const n of names) {
            if (nameGlobMatches(inner, n))
              assert.ok(nameGlobMatches(outer, n), `${outer} ⊇ ${inner}: ${n}`);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('parse never throws, whatever the mcp section holds', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        const r = validatePolicy(treeFromValue({ version: '1.0', mcp: value }), {
          registry: registry(),
        });
        assert.ok(!r.diagnostics.some((d) => d.code === 'internal'), JSON.stringify(r.diagnostics));
      }),
      { numRuns: 300 },
    );
  });

  it('what parses serializes to what parses to the same', () => {
    const toolRule = fc.record(
      {
        name: glob,
        max_calls_per_minute: fc.integer({ min: 1, max: 1000 }),
        parameters: fc.dictionary(
          fc.constantFrom('path', 'mode', 'n', 'q', 'x_pattern'),
          fc.oneof(
            fc.constantFrom('/data/**', 'a*', '/srv/*.txt'),
            fc.record({ pattern: fc.constantFrom('/data/**', 'x?') }, { requiredKeys: [] }),
            fc.record({
              enum: fc.array(fc.oneof(fc.string(), fc.integer(), fc.boolean()), {
                minLength: 1,
                maxLength: 3,
              }),
            }),
            fc.record(
              { minimum: fc.integer({ max: 0 }), maximum: fc.integer({ min: 0 }) },
              { requiredKeys: [] },
            ),
          ),
        ),
      },
      { requiredKeys: ['name'] },
    );
    fc.assert(
      fc.property(
        fc.array(toolRule, { maxLength: 4 }),
        fc.array(glob, { maxLength: 2 }),
        (allow, deny) => {
          const value = { tools: { allow, deny: deny.map((n) => ({ name: n })) } };
          const first = validatePolicy(treeFromValue({ version: '1.0', mcp: value }), {
            registry: registry(),
          });
          if (first.document === undefined) return;
          const once = mcpExtension.serialize(first.document.extensions.mcp as McpSection);
          const second = validatePolicy(treeFromValue({ version: '1.0', mcp: once }), {
            registry: registry(),
          });
          assert.ok(second.document, JSON.stringify(second.diagnostics));
          assert.deepEqual(
            mcpExtension.serialize(second.document.extensions.mcp as McpSection),
            once,
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
