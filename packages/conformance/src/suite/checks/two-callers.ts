import { decodeJwt } from 'jose';
import { describeResponse, type Probe, rpcAnswer, toolCall } from '../http.js';
import type { Check, Outcome } from '../result.js';
import type { ServerContext } from '../server-context.js';
import { acceptedToken, callWith } from './access.js';

type ServerCheck = Check<ServerContext>;

const ok2xx = (response: Probe) => response.status >= 200 && response.status < 300;

/** Who a JWT was issued to, or `undefined` for an opaque token. */
function callerOf(token: string): string | undefined {
  try {
    const claims = decodeJwt(token);
    return JSON.stringify([claims.iss, claims.sub, claims.client_id ?? claims.azp]);
  } catch {
    return undefined;
  }
}

const callers = new WeakMap<ServerContext, Promise<{ first: string; second: string } | Outcome>>();

/** Both callers' tokens, once the server has accepted each and they are not the same caller. */
export function twoCallers(context: ServerContext): Promise<{ first: string; second: string } | Outcome> {
  let pending = callers.get(context);
  if (pending === undefined) {
    pending = (async () => {
      const first = await acceptedToken(context);
      if (!('token' in first)) return first;
      const attempt = await context.tokens.second();
      if (!('token' in attempt)) return { skip: attempt.unavailable };
      const response = await callWith(context, attempt.token);
      if (!ok2xx(response))
        return { skip: `the second caller's token was refused (${describeResponse(response)})` };
      const [a, b] = [callerOf(first.token), callerOf(attempt.token)];
      if (first.token === attempt.token || (a !== undefined && a === b))
        return { skip: 'the second token is for the same user and client as the first: use another user' };
      return { first: first.token, second: attempt.token };
    })();
    callers.set(context, pending);
  }
  return pending;
}

/** RS-22 / PX-11: caller B presents caller A's session id with B's own valid token. */
async function sessionOfAnotherCaller(context: ServerContext): Promise<Outcome> {
  const both = await twoCallers(context);
  if (!('first' in both)) return both;
  const opened = await callWith(context, both.first);
  const session = opened.headers['mcp-session-id'];
  if (session === undefined) return { skip: 'the server opened no session (no Mcp-Session-Id)' };
  const inSession = (token: string) =>
    context.send(context.options.mcpUrl, {
      method: 'POST',
      headers: [
        ['content-type', 'application/json'],
        ['accept', 'application/json, text/event-stream'],
        ['authorization', `Bearer ${token}`],
        ['mcp-session-id', session],
        ['mcp-protocol-version', context.options.spec],
      ],
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }),
    });
  const own = await inSession(both.first);
  if (!ok2xx(own)) return { skip: `the session's own caller was refused in it (${describeResponse(own)})` };
  const other = await inSession(both.second);
  const renewed = other.headers['mcp-session-id'];
  const fresh = renewed !== undefined && renewed !== session;
  const ok = (other.status >= 400 && other.status < 500) || (ok2xx(other) && fresh);
  const observed = `caller B with caller A's session → ${describeResponse(other)}${fresh ? ' (new session)' : ''}`;
  return { ok, observed };
}

const FILLER = 'portcullis-conformance';

/** A value that satisfies a (flat) JSON schema property, for the elicitation answers of the MRTR retry. */
function fill(schema: Record<string, unknown>): unknown {
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (schema.type === 'boolean') return true;
  if (schema.type === 'number' || schema.type === 'integer') return schema.minimum ?? 1;
  if (schema.type === 'object') {
    const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
    return Object.fromEntries(Object.entries(properties).map(([name, p]) => [name, fill(p)]));
  }
  return FILLER;
}

/** Answers to every input request of an `input_required` result: accept elicitations, a canned sample. */
function inputResponses(requests: unknown): Record<string, unknown> {
  const entries = Object.entries((requests ?? {}) as Record<string, { method?: unknown; params?: unknown }>);
  return Object.fromEntries(
    entries.map(([key, request]) => {
      const params = (request.params ?? {}) as { requestedSchema?: Record<string, unknown> };
      if (request.method === 'elicitation/create')
        return [key, { action: 'accept', content: fill(params.requestedSchema ?? {}) }];
      if (request.method === 'roots/list') return [key, { roots: [] }];
      return [key, { role: 'assistant', content: { type: 'text', text: FILLER }, model: FILLER }];
    }),
  );
}

/** `tools/call` of the MRTR tool, first round or a retry with `requestState` and `inputResponses`. */
async function mrtrCall(context: ServerContext, token: string, retry: Record<string, unknown> = {}) {
  const name = context.options.mrtrTool ?? '';
  const call = toolCall(context.options.spec, name);
  const meta = {
    'io.modelcontextprotocol/protocolVersion': context.options.spec,
    'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} }, sampling: {}, roots: {} },
  };
  const params = { name, arguments: context.options.mrtrArguments, ...retry, _meta: meta };
  const response = await context.send(context.options.mcpUrl, {
    method: 'POST',
    headers: [...call.headers, ['authorization', `Bearer ${token}`]],
    body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params }),
  });
  return { response, answer: rpcAnswer(response) };
}

/** The first round for `token`: the `requestState` and the answers to send back, or why not. */
async function firstRound(
  context: ServerContext,
  token: string,
): Promise<{ requestState: string; inputResponses: Record<string, unknown> } | { skip: string }> {
  const { response, answer } = await mrtrCall(context, token);
  const result = answer?.result;
  if (result?.resultType !== 'input_required' || typeof result.requestState !== 'string') {
    return {
      skip: `the tool did not answer input_required with a requestState (${describeResponse(response)})`,
    };
  }
  return { requestState: result.requestState, inputResponses: inputResponses(result.inputRequests) };
}

/** Refused: a 4xx, a JSON-RPC error, a tool error, or a fresh `input_required` (the state was not used). */
function refused(response: Probe, answer: ReturnType<typeof rpcAnswer>): boolean {
  if (response.status >= 400 && response.status < 500) return true;
  if (answer?.error !== undefined) return true;
  return answer?.result?.isError === true || answer?.result?.resultType === 'input_required';
}

/** RS-24: a `requestState` minted for caller A, echoed with caller B's token. */
async function requestStateOfAnotherCaller(context: ServerContext): Promise<Outcome> {
  if (context.options.mrtrTool === undefined)
    return { skip: 'pass --mrtr-tool <a tool that answers input_required with a requestState>' };
  const both = await twoCallers(context);
  if (!('first' in both)) return both;
  const stolen = await firstRound(context, both.first);
  if ('skip' in stolen) return stolen;
  const control = await firstRound(context, both.first);
  if ('skip' in control) return control;
  const other = await mrtrCall(context, both.second, stolen);
  const own = await mrtrCall(context, both.first, control);
  if (!ok2xx(own.response) || refused(own.response, own.answer)) {
    return {
      skip: `the retry of the caller who started it did not complete (${describeResponse(own.response)})`,
    };
  }
  const error = other.answer?.error;
  const detail = error === undefined ? '' : ` (JSON-RPC error ${String(error.code)})`;
  return {
    ok: refused(other.response, other.answer),
    observed: `caller B echoing caller A's requestState → ${describeResponse(other.response)}${detail}`,
  };
}

/** RS-22, PX-11, RS-24: what one caller's session or state handle gets another caller (needs a second token). */
export const TWO_CALLER_CHECKS: readonly ServerCheck[] = [
  {
    key: 'RS-22/session-of-another-user',
    id: 'RS-22',
    title: "a session opened by caller A is not served to caller B's valid token",
    expected: '4xx (e.g. 404), or a new session; never A’s session',
    hint: 'Bind each session to the caller (issuer, subject, client) and answer 404 to anyone else.',
    run: sessionOfAnotherCaller,
  },
  {
    key: 'PX-11/session-of-another-user',
    id: 'PX-11',
    title: "the gateway does not serve caller A's session to caller B",
    expected: '4xx (e.g. 404), or a new session; never A’s session',
    hint: 'Bind gateway sessions to the caller and never reuse one upstream session across users.',
    gatewayOnly: true,
    run: sessionOfAnotherCaller,
  },
  {
    key: 'RS-24/request-state-of-another-user',
    id: 'RS-24',
    title: "a requestState minted for caller A is refused with caller B's token",
    expected: '4xx, a JSON-RPC error or a tool error; never the completed call',
    hint: 'Bind requestState to the user derived from the token (e.g. an HMAC over issuer, subject, client).',
    run: requestStateOfAnotherCaller,
  },
];
