module mcpkit.dev/examples/fs-tool

go 1.21
