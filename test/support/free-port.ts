import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Every port this process has handed out: two random picks can be the same port. */
const handedOut = new Set<number>();

/** Linux's default ephemeral range, for systems without /proc. */
const DEFAULT_EPHEMERAL_LOW = 32768;
/** Below this a port is privileged. */
const FIRST_UNPRIVILEGED = 1024;

/**
 * The first port of the kernel's ephemeral range: the ports it picks for listen(0) and for the
 * local end of connect().
 */
function ephemeralLow(): number {
  try {
    const low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    );
    return Number.isInteger(low) && low > FIRST_UNPRIVILEGED ? low : DEFAULT_EPHEMERAL_LOW;
  } catch {
    return DEFAULT_EPHEMERAL_LOW;
  }
}

/** Whether nothing listens on 127.0.0.1:`port` (checked by listening on it for a moment). */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A loopback port nothing listens on right now and that this process has not handed out before,
 * for a listener that must be named in a config before it binds (an etcd, a Redis, a gateway
 * child), or for an address with nobody behind it.
 *
 * It is picked at random below the kernel's ephemeral range. A port from listen(0) would be in
 * that range, where, between the probe and the caller's bind, any other test running meanwhile
 * could be given it: by its own listen(0), or as the local port of one of its connections (a
 * traffic loop opens hundreds a second). Below the range only an explicit bind takes a port, so
 * the window is open only to another freePort() picking the same one; callers that start a
 * process on it still retry on EADDRINUSE.
 */
export async function freePort(): Promise<number> {
  const span = ephemeralLow() - FIRST_UNPRIVILEGED;
  for (;;) {
    const port = FIRST_UNPRIVILEGED + Math.floor(Math.random() * span);
    if (handedOut.has(port) || !(await isFree(port))) continue;
    handedOut.add(port);
    return port;
  }
}
