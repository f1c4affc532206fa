"""List an MCP server's tools over Streamable HTTP with the official Python SDK.

usage: list_tools.py <url> [bearer token]
Prints {"tools": [...names]} as JSON on stdout; exits 1 with the error on stderr.
"""

import json
import sys

import anyio
from mcp import ClientSession
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client


async def main(url: str, token: str | None) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    async with create_mcp_http_client(headers=headers) as http:
        async with streamable_http_client(url, http_client=http) as (read, write, *_):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = await session.list_tools()
                print(json.dumps({"tools": [t.name for t in tools.tools]}))


if __name__ == "__main__":
    try:
        anyio.run(main, sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
    except BaseException as error:  # an ExceptionGroup from the task group, or anything else
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
