import assert from 'node:assert/strict';
import { test } from 'node:test';
import { workerExecArgv } from '../../src/cluster/worker-argv.js';

const SEMI = ['--min-semi-space-size=32', '--max-semi-space-size=32'];
const OTHER = ['--other-default'];
const DEFAULTS = [SEMI, OTHER];

const cases: {
  desc: string;
  primary: string[];
  env: Record<string, string>;
  want: string[];
}[] = [
  {
    desc: 'defaults first, then the primary flags, then GATEHOUSE_WORKER_NODE_OPTIONS',
    primary: ['--enable-source-maps'],
    env: { GATEHOUSE_WORKER_NODE_OPTIONS: ' --trace-gc   --stack-size=900 ' },
    want: [...SEMI, ...OTHER, '--enable-source-maps', '--trace-gc', '--stack-size=900'],
  },
  {
    desc: 'a default group one of whose flags the primary was started with is left out (either spelling)',
    primary: ['--max_semi_space_size=8'],
    env: {},
    want: [...OTHER, '--max_semi_space_size=8'],
  },
  {
    desc: 'a default group set in GATEHOUSE_WORKER_NODE_OPTIONS is left out',
    primary: [],
    env: { GATEHOUSE_WORKER_NODE_OPTIONS: '--min-semi-space-size=64' },
    want: [...OTHER, '--min-semi-space-size=64'],
  },
  {
    desc: 'a default group set in NODE_OPTIONS (read before execArgv) is left out',
    primary: [],
    env: { NODE_OPTIONS: '--max-semi-space-size=16 --other-default' },
    want: [],
  },
  {
    desc: 'an empty variable adds nothing',
    primary: ['--cpu-prof'],
    env: { GATEHOUSE_WORKER_NODE_OPTIONS: '' },
    want: [...SEMI, ...OTHER, '--cpu-prof'],
  },
];

for (const c of cases) {
  void test(`worker execArgv: ${c.desc}`, () => {
    assert.deepEqual(workerExecArgv(c.primary, c.env, DEFAULTS), c.want);
  });
}

void test('worker execArgv: by default a fixed 32 MiB semi-space', () => {
  assert.deepEqual(workerExecArgv([], {}), SEMI);
});
