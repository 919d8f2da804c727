#!/usr/bin/env node
// Minimal MCP client built on the official TypeScript SDK (@modelcontextprotocol/sdk 1.x).
// Plain ESM, no build step; runs on node >= 18 (the machine's node 20 or the pinned node 22).
//
// Usage:
//   node tests/npm/ts-client.mjs [options] http://127.0.0.1:PORT/mcp
//   node tests/npm/ts-client.mjs [options] -- COMMAND [ARGS...]      (stdio; "--" is needed
//                                                                     only if ARGS start with "-")
// Options:
//   --tool NAME          call this tool after listing tools
//   --args JSON          arguments for --tool as one JSON object (default {})
//   --header "K: V"      extra HTTP header (repeatable; HTTP only)
//   --env K=V            extra environment variable for a stdio server (repeatable)
//   --list-all           also list resources, resource templates and prompts
//   --sampling-reply T   advertise the `sampling` capability and answer every
//                        sampling/createMessage with text T
//   --elicit-accept JSON advertise `elicitation` (form mode) and accept every
//                        elicitation/create with content JSON
//   --timeout MS         per-request timeout (default 30000)
//
// Prints exactly one JSON object on stdout:
//   { ok, transport, target, serverInfo, protocolVersion (HTTP only), sessionId (HTTP only), capabilities,
//     tools: [names], toolPages, [resources, resourceTemplates, prompts],
//     call: { name, args, result }, serverRequests: [...], error? }
// Exit codes: 0 ok (including a tool result with isError: true -- check call.result.isError);
//   1 usage; 2 could not connect/initialize; 3 a list or call request failed (JSON-RPC error,
//   timeout, transport error).
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";

function usage(msg) {
  process.stdout.write(JSON.stringify({ ok: false, error: { stage: "usage", message: msg } }) + "\n");
  process.exit(1);
}

const opts = { headers: {}, env: {}, args: {}, timeout: 30000, listAll: false };
const target = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const next = () => {
    if (i + 1 >= argv.length) usage(`${a} needs a value`);
    return argv[++i];
  };
  if (target.length > 0 || a === "--") {
    if (a === "--" && target.length === 0) {
      target.push(...argv.slice(i + 1));
      break;
    }
    target.push(a);
    continue;
  }
  switch (a) {
    case "--tool": opts.tool = next(); break;
    case "--args":
      try { opts.args = JSON.parse(next()); } catch (e) { usage(`--args is not JSON: ${e.message}`); }
      break;
    case "--header": {
      const h = next();
      const c = h.indexOf(":");
      if (c <= 0) usage(`--header must be "Name: value"`);
      opts.headers[h.slice(0, c).trim()] = h.slice(c + 1).trim();
      break;
    }
    case "--env": {
      const e = next();
      const c = e.indexOf("=");
      if (c <= 0) usage(`--env must be KEY=VALUE`);
      opts.env[e.slice(0, c)] = e.slice(c + 1);
      break;
    }
    case "--list-all": opts.listAll = true; break;
    case "--sampling-reply": opts.samplingReply = next(); break;
    case "--elicit-accept":
      try { opts.elicitAccept = JSON.parse(next()); } catch (e) { usage(`--elicit-accept is not JSON: ${e.message}`); }
      break;
    case "--timeout": opts.timeout = Number(next()); break;
    case "-h": case "--help": usage("see the header of tests/npm/ts-client.mjs");
    default:
      if (a.startsWith("--")) usage(`unknown option ${a}`);
      target.push(a);
  }
}
if (target.length === 0) usage("no target: give an http(s) URL or a stdio command");

const isUrl = /^https?:\/\//i.test(target[0]);
const out = {
  ok: false,
  transport: isUrl ? "streamable-http" : "stdio",
  target: isUrl ? target[0] : target,
  serverRequests: [],
};

let transport;
if (isUrl) {
  transport = new StreamableHTTPClientTransport(new URL(target[0]), {
    requestInit: { headers: opts.headers },
  });
} else {
  transport = new StdioClientTransport({
    command: target[0],
    args: target.slice(1),
    env: { ...process.env, ...opts.env },
    stderr: "inherit",
  });
}

const capabilities = {};
if (opts.samplingReply !== undefined) capabilities.sampling = {};
if (opts.elicitAccept !== undefined) capabilities.elicitation = { form: {} };
const client = new Client({ name: "mcpfoundation-ts-client", version: "1.0.0" }, { capabilities });

if (opts.samplingReply !== undefined) {
  client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
    out.serverRequests.push({ method: req.method });
    return {
      role: "assistant",
      content: { type: "text", text: opts.samplingReply },
      model: "mcpfoundation-canned",
      stopReason: "endTurn",
    };
  });
}
if (opts.elicitAccept !== undefined) {
  client.setRequestHandler(ElicitRequestSchema, async (req) => {
    out.serverRequests.push({ method: req.method });
    return { action: "accept", content: opts.elicitAccept };
  });
}

function errInfo(stage, e) {
  const info = { stage, message: String(e?.message ?? e) };
  if (e && typeof e.code !== "undefined") info.code = e.code;
  if (e && e.data !== undefined) info.data = e.data;
  if (e && e.cause) info.cause = String(e.cause.code ?? e.cause.message ?? e.cause);
  return info;
}

// Never resolves: prints the result, then exits with `code`.
async function finish(code) {
  try { await client.close(); } catch { /* ignore */ }
  return new Promise(() => {
    process.stdout.write(JSON.stringify(out) + "\n", () => process.exit(code));
  });
}

const reqOpts = { timeout: opts.timeout };

async function listAllPages(fn, key) {
  const items = [];
  let cursor;
  let pages = 0;
  do {
    const r = await fn(cursor ? { cursor } : undefined, reqOpts);
    pages++;
    items.push(...(r[key] ?? []));
    cursor = r.nextCursor;
  } while (cursor && pages < 1000);
  return { items, pages };
}

try {
  await client.connect(transport, reqOpts);
} catch (e) {
  out.error = errInfo("connect", e);
  await finish(2);
}

out.serverInfo = client.getServerVersion();
out.protocolVersion = transport.protocolVersion ?? null;
out.sessionId = transport.sessionId ?? null;
out.capabilities = client.getServerCapabilities();

try {
  const t = await listAllPages((p, o) => client.listTools(p, o), "tools");
  out.tools = t.items.map((x) => x.name);
  out.toolPages = t.pages;
  if (opts.listAll) {
    const caps = out.capabilities ?? {};
    if (caps.resources) {
      out.resources = (await listAllPages((p, o) => client.listResources(p, o), "resources")).items.map((x) => x.uri);
      out.resourceTemplates = (await listAllPages((p, o) => client.listResourceTemplates(p, o), "resourceTemplates")).items.map((x) => x.uriTemplate);
    }
    if (caps.prompts) {
      out.prompts = (await listAllPages((p, o) => client.listPrompts(p, o), "prompts")).items.map((x) => x.name);
    }
  }
} catch (e) {
  out.error = errInfo("list", e);
  await finish(3);
}

if (opts.tool) {
  out.call = { name: opts.tool, args: opts.args };
  try {
    out.call.result = await client.callTool({ name: opts.tool, arguments: opts.args }, undefined, reqOpts);
  } catch (e) {
    out.error = errInfo("call", e);
    await finish(3);
  }
}

out.ok = true;
await finish(0);
