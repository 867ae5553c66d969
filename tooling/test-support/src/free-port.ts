import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A TCP port that is free on 127.0.0.1 right now, for a server that binds it a moment later.
 *
 * Use it when a URL that embeds the port (an issuer, a resource) must be known before the server that
 * will own it starts. The port comes from below the system's ephemeral range where there is room (Linux:
 * `/proc/sys/net/ipv4/ip_local_port_range`), because the system gives ports of that range to outgoing
 * connections and to `listen(0)`: a port picked there could be taken by one of them before the real bind
 * (it happened once in CI, as `EADDRINUSE`). Elsewhere: listen on port 0, read the port the OS picked, close.
 *
 * @returns the port number
 * @throws when no port could be found
 */
export async function freePort(): Promise<number> {
  // Never return a port twice in one process: a caller that binds later would collide with its own earlier port.
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await (QUIET_RANGE === undefined ? probePort(0) : probePort(randomIn(QUIET_RANGE)));
    if (port !== undefined && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no fresh loopback port after 100 probes');
}

const handedOut = new Set<number>();

/** Ports no outgoing connection gets, or `undefined` when the ephemeral range leaves no room below it. */
const QUIET_RANGE = quietRange();

function quietRange(): readonly [number, number] | undefined {
  let ephemeralStart: number;
  try {
    ephemeralStart = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
  } catch {
    return undefined;
  }
  // At least 2000 ports, above the well-known and common development ports (8080, 9090, …).
  const low = Math.max(10_000, ephemeralStart - 12_000);
  return Number.isInteger(ephemeralStart) && ephemeralStart - low >= 2_000
    ? [low, ephemeralStart - 1]
    : undefined;
}

function randomIn([low, high]: readonly [number, number]): number {
  return low + Math.floor(Math.random() * (high - low + 1));
}

/** Bind `port` (0: any) on 127.0.0.1 and release it: the port, or `undefined` when it is taken. */
function probePort(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EADDRINUSE' || error.code === 'EACCES' ? resolve(undefined) : reject(error),
    );
    probe.listen(port, '127.0.0.1', () => {
      const address = probe.address();
      const bound = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => (bound > 0 ? resolve(bound) : reject(new Error('no port assigned'))));
    });
  });
}
