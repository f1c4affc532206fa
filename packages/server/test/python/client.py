"""A client of the official MCP Python SDK, for the server's tests.

usage: client.py stdio <command> [args...]
       client.py http <url>

Connects, lists the resources and templates, reads a resource and a
template expansion, lists and gets a prompt, and prints what came back as
one JSON object on stdout.
"""

import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client


async def exercise(read, write):
    async with ClientSession(read, write) as session:
        init = await session.initialize()
        resources = await session.list_resources()
        templates = await session.list_resource_templates()
        readme = await session.read_resource("notes://readme")
        day = await session.read_resource("notes://day/2024-03-04")
        prompts = await session.list_prompts()
        greeting = await session.get_prompt("greeting", {"name": "Ada"})
        return {
            "server": init.server_info.name,
            "resources": [str(r.uri) for r in resources.resources],
            "templates": [t.uri_template for t in templates.resource_templates],
            "readme": [c.model_dump(mode="json", by_alias=True, exclude_none=True) for c in readme.contents],
            "day": [c.model_dump(mode="json", by_alias=True, exclude_none=True) for c in day.contents],
            "prompts": [p.name for p in prompts.prompts],
            "greeting": [m.model_dump(mode="json", by_alias=True, exclude_none=True) for m in greeting.messages],
        }


async def main(argv):
    if len(argv) >= 2 and argv[0] == "stdio":
        params = StdioServerParameters(command=argv[1], args=argv[2:])
        async with stdio_client(params) as (read, write):
            result = await exercise(read, write)
    elif len(argv) == 2 and argv[0] == "http":
        async with streamable_http_client(argv[1]) as streams:
            result = await exercise(streams[0], streams[1])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
