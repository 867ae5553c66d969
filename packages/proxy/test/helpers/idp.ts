import { type RunningIdp, startIdp } from '@portcullis/idp';

/** Start the embedded IdP for the given MCP resources, with the users joe and alice. */
export function startTestIdp(resources: readonly string[], accessTokenTtl?: number): Promise<RunningIdp> {
  return startIdp(
    {
      resources: resources.map((uri) => ({
        uri,
        scopes: ['mcp:tools', 'mcp:admin'],
        name: 'Portcullis proxy',
        ...(accessTokenTtl === undefined ? {} : { accessTokenTtl }),
      })),
      users: [
        { username: 'joe', password: 'joe-pass', name: 'Joe' },
        { username: 'alice', password: 'alice-pass', name: 'Alice' },
      ],
    },
    { logger: { warn: () => {}, error: () => {} } },
  );
}
