import { type RunningIdp, type StartIdpOptions, startIdp } from '../../src/index.js';

/** The protected resources of the test IdP. */
export const RS = 'https://rs.test/mcp';
export const OTHER_RS = 'https://other.test/mcp';

/** Seeded test users. */
export const ALICE = { username: 'alice', password: 'alice-pass' } as const;

const silent = { warn: () => {}, error: () => {} };

/** Start an in-process IdP on 127.0.0.1 with two resources and two users; override anything. */
export function startTestIdp(overrides: Partial<StartIdpOptions> = {}): Promise<RunningIdp> {
  return startIdp(
    {
      resources: [
        { uri: RS, scopes: ['mcp:tools', 'mcp:admin'], name: 'Test MCP server' },
        { uri: OTHER_RS, scopes: ['other:read'] },
      ],
      users: [
        { ...ALICE, name: 'Alice Example', email: 'alice@example.test' },
        { username: 'bob', password: 'bob-pass', name: 'Bob Example' },
      ],
      ...overrides,
    },
    { logger: silent },
  );
}
