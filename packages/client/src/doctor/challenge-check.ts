import { parseBearerChallenge } from '@portcullis/metadata';
import { messageOf } from '../errors.js';
import type { DoctorCheck } from './doctor.js';

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'portcullis-doctor', version: '0.1.0' },
  },
});

/** An unauthenticated MCP request must get `401` with a Bearer challenge naming the PRM. */
export async function checkChallenge(
  fetchFn: typeof fetch,
  serverUrl: string,
  out: DoctorCheck[],
): Promise<string | undefined> {
  let response: Response;
  try {
    response = await fetchFn(serverUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: INITIALIZE,
    });
    await response.body?.cancel();
  } catch (error) {
    out.push({
      id: 'mcp-401',
      title: 'MCP endpoint answers 401',
      status: 'fail',
      detail: messageOf(error),
      url: serverUrl,
      hint: 'check the URL and that the server runs',
    });
    return undefined;
  }
  const header = response.headers.get('www-authenticate');
  let challenge: Record<string, string | undefined> | undefined;
  try {
    challenge = header === null ? undefined : parseBearerChallenge(header);
  } catch {
    challenge = undefined;
  }
  if (response.status !== 401 || challenge === undefined) {
    out.push({
      id: 'mcp-401',
      title: 'MCP endpoint answers 401',
      status: response.status === 401 ? 'fail' : 'warn',
      detail: `${response.status}${header === null ? ', no WWW-Authenticate' : `, WWW-Authenticate: ${header}`}`,
      url: serverUrl,
      hint:
        response.status === 401
          ? 'send `WWW-Authenticate: Bearer resource_metadata="…"` with the 401 (RFC 9728 §5.1)'
          : 'a request without a token should get 401 with a Bearer challenge; is authorization enabled?',
    });
    return undefined;
  }
  const rm = challenge.resource_metadata;
  out.push({
    id: 'mcp-401',
    title: 'MCP endpoint answers 401',
    status: rm === undefined ? 'warn' : 'pass',
    detail: `401 Bearer${rm ? ` resource_metadata=${rm}` : ''}${challenge.scope ? ` scope="${challenge.scope}"` : ''}`,
    hint:
      rm === undefined
        ? 'add resource_metadata to the challenge so clients need not guess the PRM URL'
        : undefined,
  });
  return rm;
}
