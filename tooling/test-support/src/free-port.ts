import { createServer } from 'node:net';

/**
 * A TCP port that is free on 127.0.0.1 right now: listen on port 0, read the port the OS picked, close.
 *
 * Use it when a URL that embeds the port (an issuer, a resource) must be known before the server that
 * will own it starts. Another process could take the port in the short window before the real bind, which
 * is not a concern on a test machine.
 *
 * @returns the port number
 * @throws when the probe cannot listen or the OS assigns no port
 */
export async function freePort(): Promise<number> {
  // The OS may hand the same just-released port to two sequential probes; a caller that binds later would then
  // collide with its own earlier port. Never return a port twice in one process.
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await probePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no fresh loopback port after 50 probes');
}

const handedOut = new Set<number>();

function probePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}
