import type { Check, Outcome } from '../result.js';
import type { ServerContext } from '../server-context.js';
import type { UpstreamRecorder } from '../upstream-recorder.js';
import { acceptedToken } from './access.js';

type ServerCheck = Check<ServerContext>;

/**
 * Token passthrough is invisible from the client side: only the upstream sees what the gateway forwards. The
 * suite therefore plays the upstream (`--upstream-recorder <port>`, with the gateway's upstream pointed at
 * `http://127.0.0.1:<port>`) and looks for the client token in every header and body it receives.
 */
function noPassthrough(recorder: () => UpstreamRecorder | undefined) {
  return async (context: ServerContext): Promise<Outcome> => {
    const upstream = recorder();
    if (upstream === undefined) {
      return {
        skip: 'not black-box checkable without the upstream: pass --upstream-recorder <port> and point the upstream there',
      };
    }
    const control = await acceptedToken(context);
    if (!('token' in control)) return control;
    const seen = upstream.requests.length;
    if (seen === 0) {
      return { skip: `the recorder at ${upstream.url} got no request; is it the gateway's upstream?` };
    }
    const leaks = upstream.requests.filter(
      (r) => r.body.includes(control.token) || JSON.stringify(r.headers).includes(control.token),
    );
    const auth = upstream.requests.map((r) => r.headers.authorization ?? '(none)');
    return {
      ok: leaks.length === 0,
      observed:
        leaks.length === 0
          ? `${seen} upstream request(s), none carries the client token (Authorization: ${[...new Set(auth)].map((a) => (a === '(none)' ? a : 'other credential')).join(', ')})`
          : `${leaks.length} of ${seen} upstream request(s) carry the client token`,
    };
  };
}

/** PX-02 and RS-29: the client token never reaches the upstream. */
export function passthroughChecks(recorder: () => UpstreamRecorder | undefined): ServerCheck[] {
  return [
    {
      key: 'PX-02/no-token-passthrough',
      id: 'PX-02',
      title: "the gateway never forwards the client's token upstream",
      expected: 'no upstream request carries the client token',
      hint: 'Strip `Authorization` and use the gateway’s own upstream credential or an exchanged token.',
      gatewayOnly: true,
      run: noPassthrough(recorder),
    },
    {
      key: 'RS-29/no-token-passthrough',
      id: 'RS-29',
      title: "the server never forwards the client's token to the API behind it",
      expected: 'no upstream request carries the client token',
      hint: 'Get a separate token for the upstream API (token exchange or its own client).',
      run: noPassthrough(recorder),
    },
  ];
}
