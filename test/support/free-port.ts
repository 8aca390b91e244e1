import { createServer, type AddressInfo } from 'node:net';

/** Every port this process has handed out: the kernel's random pick can repeat one. */
const handedOut = new Set<number>();

function probe(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A loopback port nothing listens on right now and that this process has not handed out before,
 * so that the ports of one config never collide (the kernel picks port 0 at random, and two picks
 * in a row can be the same port). There is a window between closing the probe and the caller
 * binding the port, in which another process may take it; callers retry on EADDRINUSE.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await probe();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}
