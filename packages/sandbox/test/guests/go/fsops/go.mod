module mcpkit.dev/sandbox/testguests/fsops

go 1.21
