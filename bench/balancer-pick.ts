/**
 * Nanoseconds per pick for each balancer, against a baseline that only indexes an array, in one
 * run (not a test; never asserts timings).
 *
 *   npx tsc -p . && node dist/bench/balancer-pick.js [picks=1000000] [rounds=5]
 *
 * Nodes have weights 1..3 (cycling). least_conn and ewma pick then report `done` (their real
 * cost per request); chash hashes one of 1024 prebuilt keys per pick (a 20-byte client address).
 * Rounds alternate algorithms so drift in the machine hits all of them; the table shows the
 * median round.
 */
import { performance } from 'node:perf_hooks';
import { createPicker } from '../src/balancer/priority.js';
import type { PickContext, Picker, UpstreamNode } from '../src/balancer/types.js';
import { median } from './stats.js';

const picks = Number(process.argv[2] ?? 1_000_000);
const rounds = Number(process.argv[3] ?? 5);
const sizes = [2, 10, 100];
const types = ['baseline', 'roundrobin', 'chash', 'least_conn', 'ewma'];

const nodesOf = (n: number): UpstreamNode[] =>
  Array.from({ length: n }, (_, i) => {
    const host = `10.0.${i >> 8}.${i & 255}`;
    return { host, port: 80, weight: 1 + (i % 3), priority: 0, key: `${host}:80` };
  });

const plain: PickContext = {};
const keyed: PickContext[] = Array.from({ length: 1024 }, (_, i) => ({
  hashKey: `192.168.${(i * 7) & 255}.${i & 255}:${40000 + i}`,
}));
const outcome = { ms: 3, failed: false };

/** Returns a checksum so the loop cannot be optimised away. */
function run(type: string, nodes: UpstreamNode[], picker: Picker | undefined): number {
  let sum = 0;
  const n = nodes.length;
  if (picker === undefined) {
    for (let i = 0; i < picks; i++) sum += nodes[i % n]!.port;
  } else if (type === 'chash') {
    for (let i = 0; i < picks; i++) sum += picker.pick(keyed[i & 1023]!)!.port;
  } else if (picker.done !== undefined) {
    for (let i = 0; i < picks; i++) {
      const node = picker.pick(plain)!;
      picker.done(node, outcome);
      sum += node.port;
    }
  } else {
    for (let i = 0; i < picks; i++) sum += picker.pick(plain)!.port;
  }
  return sum;
}

function nsPerPick(type: string, nodes: UpstreamNode[]): number {
  const picker = type === 'baseline' ? undefined : createPicker(type, nodes);
  run(type, nodes, picker); // warm-up
  const start = performance.now();
  const sum = run(type, nodes, picker);
  const ns = ((performance.now() - start) * 1e6) / picks;
  if (sum === 0) throw new Error('unreachable: checksum');
  return ns;
}

const results = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  for (const n of sizes) {
    const nodes = nodesOf(n);
    for (const type of types) {
      const key = `${type}/${n}`;
      results.set(key, [...(results.get(key) ?? []), nsPerPick(type, nodes)]);
    }
  }
}

console.log(
  `\nns per pick (median of ${rounds} rounds × ${picks} picks, Node ${process.version})\n`,
);
console.log(`| algorithm | ${sizes.map((n) => `${n} nodes`).join(' | ')} |`);
console.log(`|---|${sizes.map(() => '---:').join('|')}|`);
for (const type of types) {
  const cells = sizes.map((n) => median(results.get(`${type}/${n}`) ?? []).toFixed(1));
  console.log(
    `| ${type === 'baseline' ? 'baseline `nodes[i % n]`' : type} | ${cells.join(' | ')} |`,
  );
}
