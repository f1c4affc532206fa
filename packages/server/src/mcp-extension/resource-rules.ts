// The compiled `mcp.resources` rules: one name matcher per operation over the
// URI text. URIs with `.` or `..` path segments are refused before matching,
// so `file:///workspace/../etc` cannot pass as `file:///workspace/**`.

import { type Decision, NameMatcher, quote } from '@mcpkit/wasm-policy';
import { decision, describeRule, invalid, type McpDecision, ruleRef } from './decision.js';
import { type McpRuleLists, OPERATIONS, type Operation, type ResourceRule } from './model.js';

const DOT_SEGMENT = /(?:^|[/\\])(?:\.|%2e){1,2}(?:[/\\?#]|$)/i;
const FAILED = invalid('the resource check failed; denied');

interface PerOperation {
  readonly names: NameMatcher;
  /** Decisions by the matcher's list index: the matcher sees only this operation's rules. */
  readonly allow: readonly McpDecision[];
  readonly deny: readonly McpDecision[];
  readonly notGranted: McpDecision;
}

function compileOperation(op: Operation, lists: McpRuleLists<ResourceRule>): PerOperation {
  const pick = (list: 'allow' | 'deny') => {
    const rules: Array<{ name: string; at: ResourceRule['at'] }> = [];
    const decisions: McpDecision[] = [];
    lists[list].forEach((rule, index) => {
      if (!rule.operations.includes(op)) return;
      const ref = ruleRef(rule.at, 'mcp.resources', list, index, rule.uri);
      rules.push({ name: rule.uri, at: rule.at });
      const verb = list === 'allow' ? 'allowed' : 'denied';
      decisions.push(
        decision(list === 'allow', verb, ref, `${op} ${verb} by ${describeRule(ref)}`),
      );
    });
    return { rules, decisions };
  };
  const allow = pick('allow');
  const deny = pick('deny');
  return Object.freeze({
    names: new NameMatcher('mcp.resources', { allow: allow.rules, deny: deny.rules }),
    allow: Object.freeze(allow.decisions),
    deny: Object.freeze(deny.decisions),
    notGranted: decision(
      false,
      'not-granted',
      null,
      `no \`mcp.resources.allow\` rule grants ${quote(op)} on this uri`,
    ),
  });
}

export class ResourceRules {
  readonly #byOperation: ReadonlyMap<string, PerOperation>;

  constructor(lists: McpRuleLists<ResourceRule>) {
    this.#byOperation = new Map(OPERATIONS.map((op) => [op, compileOperation(op, lists)]));
    Object.freeze(this);
  }

  /** Decide `operation` (`read`, `list`, `subscribe`) on the resource at `uri`. */
  decide(uri: string, operation: Operation): McpDecision {
    try {
      const per = this.#byOperation.get(operation);
      if (per === undefined) return invalid(`unknown resource operation ${quote(operation)}`);
      if (DOT_SEGMENT.test(uri))
        return invalid(`uri ${quote(uri)} has a \`.\` or \`..\` path segment; denied`);
      const d: Decision = per.names.decide(uri);
      if (d.rule === null) return d.allowed ? d : per.notGranted;
      return (d.rule.list === 'allow' ? per.allow : per.deny)[d.rule.index] ?? FAILED;
    } catch {
      return FAILED;
    }
  }
}
