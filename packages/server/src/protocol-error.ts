// A JSON-RPC error for the client. The SDK puts an error's `code` and
// `message` on the wire; its own McpError's message already carries an
// "MCP error <code>:" prefix, which the client's McpError adds again.

export class ProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
