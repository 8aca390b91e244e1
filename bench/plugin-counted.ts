/**
 * One route of bench/plugin-inprocess.ts's set-up for a fixed number of requests, for counting
 * (not timing): `warm` requests, then exactly `measured` more, without a pause between them
 * (the connections keep their requests in flight). When the warm-up's last response completes
 * it writes a line `warm <pid>` to stdout, when the measured ones' last completes a line
 * `measured <n>`; with `node --trace-gc` or `--trace-deopt`, what is printed between the two
 * lines is the steady state's. With CALLGRIND=1 (under valgrind --tool=callgrind, as
 * bench/plugin-instructions.sh runs it) it also zeroes callgrind's counters at the first line and
 * dumps them at the second, synchronously (`callgrind_control`, while this thread waits).
 *
 *   node --trace-gc dist/bench/plugin-counted.js all [warm=4000] [measured=2000]
 *
 * Nothing but the requests runs between the two lines: a stream of another kind used once there
 * (console.log to a pipe, stdin, a stopped and restarted client) deoptimizes node's stream and
 * timer functions (`writeOrBuffer`, `Readable.push`, `setStreamTimeout`: "wrong map"), and their
 * recompilation on V8's helper threads would be counted as the route's.
 *
 * Env: CONNS (default 8), CALLGRIND.
 */
import { execFileSync } from 'node:child_process';
import { writeSync } from 'node:fs';
import { Client, ROUTES, startInProcessGateway } from './inprocess-gateway.js';

const route = process.argv[2] ?? 'none';
const warm = Number(process.argv[3] ?? 4000);
const measured = Number(process.argv[4] ?? 2000);
const conns = Number(process.env['CONNS'] ?? 8);
const callgrind = process.env['CALLGRIND'] === '1';
if (!(ROUTES as readonly string[]).includes(route)) {
  console.error(`plugin-counted: route must be one of ${ROUTES.join(', ')}`);
  process.exit(2);
}

const gatewayPort = await startInProcessGateway();
const clients = Array.from({ length: conns }, () => new Client(gatewayPort));
const total = warm + measured;
let sent = 0;
let completed = 0;
const pacer = {
  send: (): boolean => sent < total && ++sent > 0,
  completed: (): void => {
    if (++completed === warm) {
      writeSync(1, `warm ${process.pid}\n`);
      if (callgrind) {
        execFileSync('callgrind_control', ['-i', 'on', String(process.pid)]);
        execFileSync('callgrind_control', ['-z', String(process.pid)]);
      }
    } else if (completed === total) {
      if (callgrind) execFileSync('callgrind_control', ['-d', String(process.pid)]);
      writeSync(1, `measured ${measured}\n`);
      process.exit(0);
    }
  },
};
for (const c of clients) c.start(route, pacer);
