// Warnings for rules that can never decide anything: duplicates, and allow
// rules entirely covered by a deny rule.

import { envKeyCovers, networkRuleCovers, storagePatternCovers } from './cover.js';
import { expandBraces } from './glob.js';
import type { EnvRule, NetworkRule, RuleLists, StorageRule } from './model.js';
import type { SectionReader } from './reader.js';

function where(at: { line: number }): string {
  return at.line > 0 ? `the rule at line ${at.line}` : 'another rule';
}

function patternsCover(outer: string, inner: string): boolean {
  const outs = expandBraces(outer) ?? [outer];
  return (expandBraces(inner) ?? [inner]).every((i) =>
    outs.some((o) => storagePatternCovers(o, i)),
  );
}

export function storageShadowing(r: SectionReader, lists: RuleLists<StorageRule>): void {
  for (const list of ['allow', 'deny'] as const) {
    lists[list].forEach((rule, i) => {
      const dup = lists[list]
        .slice(0, i)
        .find((o) => o.pattern === rule.pattern && o.access.join() === rule.access.join());
      if (dup)
        r.warning(
          'duplicate-rule',
          rule.at.pointer,
          `this rule repeats ${where(dup.at)}`,
          'remove one of them',
        );
    });
  }
  for (const allow of lists.allow) {
    const deny = lists.deny.find(
      (d) =>
        allow.access.every((a) => d.access.includes(a)) && patternsCover(d.pattern, allow.pattern),
    );
    if (deny) {
      r.warning(
        'shadowed-rule',
        allow.at.pointer,
        `this allow rule never applies: ${where(deny.at)} denies everything it grants`,
        'remove it, or narrow the deny rule',
      );
    }
  }
}

export function networkShadowing(r: SectionReader, lists: RuleLists<NetworkRule>): void {
  const same = (a: NetworkRule, b: NetworkRule) =>
    networkRuleCovers(a, b) && networkRuleCovers(b, a);
  for (const list of ['allow', 'deny'] as const) {
    lists[list].forEach((rule, i) => {
      const dup = lists[list].slice(0, i).find((o) => same(o, rule));
      if (dup)
        r.warning(
          'duplicate-rule',
          rule.at.pointer,
          `this rule repeats ${where(dup.at)}`,
          'remove one of them',
        );
    });
  }
  for (const allow of lists.allow) {
    const deny = lists.deny.find((d) => networkRuleCovers(d, allow));
    if (deny) {
      r.warning(
        'shadowed-rule',
        allow.at.pointer,
        `this allow rule never applies: ${where(deny.at)} denies everything it grants`,
        'remove it, or narrow the deny rule',
      );
    }
  }
}

export function environmentShadowing(r: SectionReader, lists: RuleLists<EnvRule>): void {
  for (const list of ['allow', 'deny'] as const) {
    lists[list].forEach((rule, i) => {
      const dup = lists[list].slice(0, i).find((o) => o.key === rule.key);
      if (dup)
        r.warning(
          'duplicate-rule',
          rule.at.pointer,
          `this rule repeats ${where(dup.at)}`,
          'remove one of them',
        );
    });
  }
  for (const allow of lists.allow) {
    const deny = lists.deny.find((d) => envKeyCovers(d.key, allow.key));
    if (deny) {
      r.warning(
        'shadowed-rule',
        allow.at.pointer,
        `this allow rule never applies: ${where(deny.at)} denies the same keys`,
        'remove it, or narrow the deny rule',
      );
    }
  }
}
