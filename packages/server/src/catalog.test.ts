import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateCatalog } from './catalog.js';
import { parseManifest } from './manifest.js';

function problems(value: Record<string, unknown>): string[] {
  const r = validateCatalog(value);
  return r.ok ? [] : r.problems;
}

describe('prompt and resource declarations', () => {
  it('accepts prompts, resources, templates and completions', () => {
    const r = validateCatalog({
      prompts: [{ name: 'greet', arguments: [{ name: 'who', required: true }] }],
      resources: [{ uri: 'file:///data/a.txt', name: 'a', mimeType: 'text/plain', size: 3 }],
      resourceTemplates: [{ uriTemplate: 'logs://{day}', name: 'day' }],
      completions: true,
    });
    assert.ok(r.ok);
    assert.equal(r.catalog.completions, true);
    assert.equal(r.catalog.prompts.length, 1);
  });

  it('reports every problem, each saying where', () => {
    assert.deepEqual(
      problems({
        prompts: [
          { name: 'has space' },
          { name: 'ok', arguments: [{ name: 'a' }, { name: 'a', required: 'yes' }] },
          { name: 'ok', colour: 'red' },
        ],
        resources: [
          { uri: 'not a uri', name: 'x' },
          { uri: 'file:///data/../etc/passwd', name: 'y' },
          { uri: 'file:///a', name: '' },
          { uri: 'file:///a', name: 'again', size: -1 },
        ],
        resourceTemplates: [{ uriTemplate: 'logs://today', name: 't' }],
        completions: 'yes',
      }),
      [
        'prompts[0].name `has space` is not a prompt name (letters, digits, `_`, `-`, `.`; 1 to 128)',
        'prompts[1].arguments[1]: argument `a` is listed twice',
        'prompts[1].arguments[1].required must be true or false',
        'prompts[2] has an unknown key `colour`',
        'prompt `ok` is defined twice',
        'resources[0].uri `not a uri` is not a URI (`scheme:...`, such as `file:///data/report.txt`)',
        'resources[1].uri `file:///data/../etc/passwd` has a `.` or `..` path segment',
        'resources[2].name must be non-empty text',
        'resource `file:///a` is defined twice',
        'resources[3].size must be a whole number of bytes',
        'resourceTemplates[0].uriTemplate `logs://today` has no `{variable}`; list it under `resources` instead',
        'completions must be true or false',
      ],
    );
  });

  it('bounds how many entries a guest may declare', () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({ name: `p${i}` }));
    assert.deepEqual(problems({ prompts: many }), ['prompts has 1001 entries, more than 1000']);
  });
});

describe('manifest keys beside the tools', () => {
  it('reads prompts and resources and refuses unknown top-level keys with help', () => {
    const ok = parseManifest(
      JSON.stringify({ tools: [], prompts: [{ name: 'p' }], completions: true }),
    );
    assert.ok(ok.ok && ok.manifest.catalog.prompts[0]!.name === 'p');
    const bad = parseManifest(JSON.stringify({ tools: [], prompt: [] }));
    assert.deepEqual(bad, {
      ok: false,
      problems: ['the manifest has an unknown key `prompt` (did you mean `prompts`?)'],
    });
  });
});
