// Warnings for rules that never decide anything: a rule naming the same tool,
// prompt or resource as an earlier one in its list, and an allow rule whose
// every grant a deny rule takes back.

import type { SectionContext, SourceRef } from '@mcpkit/wasm-policy';
import type { McpRuleLists, McpSection } from './model.js';
import { nameGlobCovers } from './name-glob.js';

function where(at: SourceRef): string {
  return at.line > 0 ? `the rule at line ${at.line}` : 'another rule';
}

interface Subject {
  readonly text: string;
  /** For resources: the operations; names have none. */
  readonly ops?: readonly string[];
  readonly at: SourceRef;
}

function check(ctx: SectionContext, lists: McpRuleLists<Subject>, noun: string): void {
  for (const list of ['allow', 'deny'] as const) {
    lists[list].forEach((rule, i) => {
      const earlier = lists[list]
        .slice(0, i)
        .find(
          (o) => o.text === rule.text && (rule.ops ?? []).every((op) => (o.ops ?? []).includes(op)),
        );
      if (!earlier) return;
      ctx.warning(
        'duplicate-rule',
        rule.at.pointer,
        `this rule repeats the ${noun} of ${where(earlier.at)}, which decides first, so this one never applies`,
        'merge them into one rule',
      );
    });
  }
  for (const allow of lists.allow) {
    const deny = lists.deny.find(
      (d) =>
        nameGlobCovers(d.text, allow.text) &&
        (allow.ops ?? []).every((op) => (d.ops ?? []).includes(op)),
    );
    if (deny) {
      ctx.warning(
        'shadowed-rule',
        allow.at.pointer,
        `this allow rule never applies: ${where(deny.at)} denies everything it grants`,
        'remove it, or narrow the deny rule',
      );
    }
  }
}

export function warnUnusedRules(ctx: SectionContext, section: McpSection): void {
  const byName = (l: McpRuleLists<{ name: string; at: SourceRef }>) => ({
    allow: l.allow.map((r) => ({ text: r.name, at: r.at })),
    deny: l.deny.map((r) => ({ text: r.name, at: r.at })),
  });
  if (section.tools) check(ctx, byName(section.tools), 'name');
  if (section.prompts) check(ctx, byName(section.prompts), 'name');
  if (section.resources) {
    const r = section.resources;
    check(
      ctx,
      {
        allow: r.allow.map((x) => ({ text: x.uri, ops: x.operations, at: x.at })),
        deny: r.deny.map((x) => ({ text: x.uri, ops: x.operations, at: x.at })),
      },
      'uri',
    );
  }
}
