// Tool names as clients see them (see name-index.ts for the renaming rule).

import type { ToolDefinition } from './manifest.js';
import { TOOL_NAME } from './manifest.js';
import { type Indexed, NameIndex } from './name-index.js';

export type IndexedTool = Indexed<ToolDefinition>;

export class ToolIndex extends NameIndex<ToolDefinition> {
  constructor() {
    super('tool', TOOL_NAME);
  }
}
