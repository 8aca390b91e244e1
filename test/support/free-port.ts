import { createServer, type AddressInfo } from 'node:net';

/**
 * A loopback port nothing listens on right now. There is a window between closing the probe and
 * the caller binding the port; etcd fails fast on a taken port and the caller retries.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
