module mcpkit.test/extism-go

go 1.24
