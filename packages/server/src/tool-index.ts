// Tool names as clients see them. A component's tools keep their own names;
// when a name is already taken by another component, the newcomer's tool is
// offered as `<component id>__<name>`. Names never change under a client
// that has seen them: unloading does not rename the survivors.

import type { ToolDefinition } from './manifest.js';
import { TOOL_NAME } from './manifest.js';

export interface IndexedTool {
  /** The name clients call. */
  readonly name: string;
  readonly componentId: string;
  /** The definition as the component gives it (its own name inside). */
  readonly definition: ToolDefinition;
}

export const SEPARATOR = '__';

export class ToolIndex {
  readonly #byName = new Map<string, IndexedTool>();

  /** Index a component's tools, replacing those it had; returns the names given. */
  set(
    componentId: string,
    tools: readonly ToolDefinition[],
    reserved: ReadonlySet<string>,
  ): IndexedTool[] {
    this.remove(componentId);
    const added: IndexedTool[] = [];
    for (const definition of tools) {
      let name = definition.name;
      const taken = (n: string) => this.#byName.has(n) || reserved.has(n);
      if (taken(name)) name = `${componentId}${SEPARATOR}${definition.name}`;
      if (taken(name) || !TOOL_NAME.test(name)) {
        throw new Error(
          `tool \`${definition.name}\` of component \`${componentId}\` collides with an existing tool and cannot be renamed`,
        );
      }
      const entry = { name, componentId, definition };
      this.#byName.set(name, entry);
      added.push(entry);
    }
    return added;
  }

  remove(componentId: string): void {
    for (const [name, t] of this.#byName)
      if (t.componentId === componentId) this.#byName.delete(name);
  }

  get(name: string): IndexedTool | undefined {
    return this.#byName.get(name);
  }

  /** Every tool, in a stable order (by component, then as the component lists them). */
  all(): IndexedTool[] {
    return [...this.#byName.values()];
  }

  of(componentId: string): IndexedTool[] {
    return this.all().filter((t) => t.componentId === componentId);
  }
}
