import { describeResponse, mcpCall, type Probe, rpcAnswer } from '../http.js';
import type { Check, Outcome } from '../result.js';
import type { ServerContext } from '../server-context.js';
import { acceptedToken, callWith } from './access.js';

type ServerCheck = Check<ServerContext>;

/** JSON-RPC `HeaderMismatch` and `UnsupportedProtocolVersion` of the 2026-07-28 transport. */
const HEADER_MISMATCH = -32020;
const UNSUPPORTED_VERSION = -32022;
const PROBE_TOOL = 'portcullis-conformance-probe';

/** A 2026-07-28 POST whose mirrored headers are given one by one (`null` leaves a header out). */
interface MirroredProbe {
  readonly headerVersion?: string;
  readonly metaVersion?: string;
  readonly mcpMethod?: string | null;
  readonly mcpName?: string | null;
  readonly bodyMethod?: string;
}

function send2026(context: ServerContext, token: string, probe: MirroredProbe): Promise<Probe> {
  const spec = context.options.spec;
  const bodyMethod = probe.bodyMethod ?? 'tools/list';
  const meta = {
    'io.modelcontextprotocol/protocolVersion': probe.metaVersion ?? spec,
    'io.modelcontextprotocol/clientCapabilities': {},
  };
  const params =
    bodyMethod === 'tools/call' ? { name: PROBE_TOOL, arguments: {}, _meta: meta } : { _meta: meta };
  const mcpMethod = probe.mcpMethod === undefined ? bodyMethod : probe.mcpMethod;
  const mcpName = probe.mcpName === undefined && bodyMethod === 'tools/call' ? PROBE_TOOL : probe.mcpName;
  const headers: [string, string][] = [
    ['content-type', 'application/json'],
    ['accept', 'application/json, text/event-stream'],
    ['authorization', `Bearer ${token}`],
    ['mcp-protocol-version', probe.headerVersion ?? spec],
    ...(mcpMethod === null ? [] : [['mcp-method', mcpMethod] as [string, string]]),
    ...(mcpName === null || mcpName === undefined ? [] : [['mcp-name', mcpName] as [string, string]]),
  ];
  return context.send(context.options.mcpUrl, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: 4, method: bodyMethod, params }),
  });
}

/** A check that sends one bad 2026-07-28 request with the valid token and expects 400 and the error code. */
function expects400(probe: MirroredProbe, code: number | undefined) {
  return async (context: ServerContext): Promise<Outcome> => {
    const control = await acceptedToken(context);
    if (!('token' in control)) return control;
    const response = await send2026(context, control.token, probe);
    const got = rpcAnswer(response)?.error?.code;
    const ok =
      code === undefined
        ? response.status >= 400 && response.status < 500
        : response.status === 400 && got === code;
    const detail = got === undefined ? '' : `, JSON-RPC error ${String(got)}`;
    return { ok, observed: `${describeResponse(response)}${detail}` };
  };
}

const METHOD_MISMATCH: MirroredProbe = { mcpMethod: 'tools/list', bodyMethod: 'tools/call' };

/** RS-27, RS-28, PX-10: the protocol-version header and the 2026-07-28 mirrored headers. */
export const HEADER_CHECKS: readonly ServerCheck[] = [
  {
    key: 'RS-27/unsupported-version',
    id: 'RS-27',
    title: 'after initialize, MCP-Protocol-Version: 1999-01-01 gets 400',
    expected: '400',
    hint: 'Refuse requests whose MCP-Protocol-Version is invalid or unsupported with 400 Bad Request.',
    run: async (context) => {
      const control = await acceptedToken(context);
      if (!('token' in control)) return control;
      const opened = await callWith(context, control.token);
      const session = opened.headers['mcp-session-id'];
      const call = mcpCall(context.options.spec);
      const response = await context.send(context.options.mcpUrl, {
        method: 'POST',
        headers: [
          ...call.headers,
          ['authorization', `Bearer ${control.token}`],
          ['mcp-protocol-version', '1999-01-01'],
          ...(session === undefined ? [] : [['mcp-session-id', session] as [string, string]]),
        ],
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }),
      });
      return { ok: response.status === 400, observed: describeResponse(response) };
    },
  },
  {
    key: 'RS-28/version-mismatch',
    id: 'RS-28',
    title: 'MCP-Protocol-Version differing from the _meta protocol version gets 400 -32020',
    expected: `400, JSON-RPC error ${HEADER_MISMATCH} (HeaderMismatch)`,
    hint: 'Compare MCP-Protocol-Version with _meta["io.modelcontextprotocol/protocolVersion"] on every POST.',
    run: expects400({ metaVersion: '2025-11-25' }, HEADER_MISMATCH),
  },
  {
    key: 'RS-28/unsupported-version',
    id: 'RS-28',
    title: 'an unsupported protocol version gets 400 -32022',
    expected: `400, JSON-RPC error ${UNSUPPORTED_VERSION} (UnsupportedProtocolVersion)`,
    hint: 'Answer 400 with -32022 and the supported versions when the version is not supported.',
    run: expects400({ headerVersion: '1999-01-01', metaVersion: '1999-01-01' }, UNSUPPORTED_VERSION),
  },
  {
    key: 'RS-28/method-mismatch',
    id: 'RS-28',
    title: 'Mcp-Method differing from the body method gets 400 -32020',
    expected: `400, JSON-RPC error ${HEADER_MISMATCH}`,
    hint: 'Check that Mcp-Method equals the JSON-RPC method before handling (or routing on) it.',
    run: expects400(METHOD_MISMATCH, HEADER_MISMATCH),
  },
  {
    key: 'RS-28/name-mismatch',
    id: 'RS-28',
    title: 'Mcp-Name differing from the body params.name gets 400 -32020',
    expected: `400, JSON-RPC error ${HEADER_MISMATCH}`,
    hint: 'Check that Mcp-Name equals params.name (tools/call, prompts/get) or params.uri (resources/read).',
    run: expects400(
      { bodyMethod: 'tools/call', mcpMethod: 'tools/call', mcpName: 'portcullis-conformance-other' },
      HEADER_MISMATCH,
    ),
  },
  {
    key: 'RS-28/missing-method',
    id: 'RS-28',
    title: 'a POST without Mcp-Method gets 400 -32020',
    expected: `400, JSON-RPC error ${HEADER_MISMATCH}`,
    hint: 'Mcp-Method is required on every 2026-07-28 POST.',
    run: expects400({ mcpMethod: null }, HEADER_MISMATCH),
  },
  {
    key: 'PX-10/method-mismatch',
    id: 'PX-10',
    title: 'the gateway refuses an Mcp-Method that differs from the body method with a 4xx',
    expected: '4xx (e.g. 400), not forwarded',
    hint: 'Validate the mirrored headers against the body before any header-based policy or forwarding.',
    gatewayOnly: true,
    run: expects400(METHOD_MISMATCH, undefined),
  },
];
