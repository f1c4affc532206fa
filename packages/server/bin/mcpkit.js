#!/usr/bin/env node
// The installed `mcpkit` command. It exists before the first build (unlike
// dist/cli.js), so npm can link it and mark it executable at install time.
import '../dist/cli.js';
