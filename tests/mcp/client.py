"""Drives `statusctl mcp` with the reference Python client (`mcp==2.3.0`) for the e2e tests.

Usage: client.py SCENARIO_JSON

SCENARIO: {"mode": "modern" | "legacy", "command": PATH, "args": [...], "env": {...}, "cwd": DIR,
           "steps": [{"op": "list"} | {"op": "call", "name": N, "arguments": {...},
                     "progress": bool, "cancel_after": SECONDS}]}

modern: `Client(params)` (its default mode: `server/discover`, the stateless 2026-07-28 era).
legacy: `ClientSession.initialize()` (the handshake, 2025-11-25).

Prints one JSON object: {"protocol_version": ..., "results": [one per step]}. A step's result is
{"tools": [...]}, {"is_error", "structured", "text", "progress"}, {"error": {"code", "message"}}
(a JSON-RPC error), {"cancelled": true} or {"exception": "..."}.
"""

import json
import sys

import anyio
from mcp import Client, ClientSession, MCPError, StdioServerParameters
from mcp.client.stdio import stdio_client


def dump(model):
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


async def run_steps(session, steps):
    results = []
    for step in steps:
        try:
            if step["op"] == "list":
                listed = await session.list_tools()
                results.append({"tools": [dump(t) for t in listed.tools]})
            elif step["op"] == "call":
                progress = []

                async def on_progress(value, total, message):
                    progress.append({"progress": value, "total": total, "message": message})

                kwargs = {"progress_callback": on_progress} if step.get("progress") else {}
                result = None
                with anyio.move_on_after(step.get("cancel_after", 120)) as scope:
                    result = await session.call_tool(step["name"], step.get("arguments"), **kwargs)
                if scope.cancelled_caught:
                    results.append({"cancelled": True, "progress": progress})
                    continue
                text = "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")
                results.append(
                    {
                        "is_error": bool(result.is_error),
                        "structured": result.structured_content,
                        "text": text,
                        "progress": progress,
                    }
                )
            elif step["op"] == "sleep":
                await anyio.sleep(step["seconds"])
            else:
                raise ValueError(f"unknown step {step['op']}")
        except MCPError as err:
            results.append({"error": {"code": err.error.code, "message": err.error.message}})
        except Exception as err:  # noqa: BLE001 - reported to the test, which decides
            results.append({"exception": f"{type(err).__name__}: {err}"})
    return results


async def main():
    scenario = json.loads(sys.argv[1])
    params = StdioServerParameters(
        command=scenario["command"],
        args=scenario.get("args", []),
        env=scenario.get("env"),
        cwd=scenario.get("cwd"),
    )
    if scenario["mode"] == "modern":
        async with Client(params) as client:
            version = client.protocol_version
            results = await run_steps(client, scenario["steps"])
    else:
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                init = await session.initialize()
                version = init.protocol_version
                results = await run_steps(session, scenario["steps"])
    print(json.dumps({"protocol_version": version, "results": results}))


if __name__ == "__main__":
    anyio.run(main)
