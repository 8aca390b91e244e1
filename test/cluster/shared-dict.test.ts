import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SharedDictHost, SharedDicts } from '../../src/cluster/shared-dict.js';

const MODULE = fileURLToPath(new URL('../../src/cluster/shared-dict.js', import.meta.url));
const file = `/tmp/gatehouse-test-${process.pid}-${Date.now()}.shared.db`;
const host = new SharedDictHost(file);
const dicts = new SharedDicts(file);

after(() => {
  dicts.close();
  host.close();
});

/** A child process that increments `key` `times` times through its own connection. */
function incrementer(key: string, times: number): Promise<void> {
  const code = `
    const { SharedDicts } = await import(${JSON.stringify(MODULE)});
    const d = new SharedDicts(${JSON.stringify(file)}).dict('t');
    for (let i = 0; i < ${times}; i++) d.incr(${JSON.stringify(key)}, 1, 60000);`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      stdio: 'inherit',
    });
    child.once('exit', (c) => (c === 0 ? resolve() : reject(new Error(`child exited ${c}`))));
  });
}

void describe('SharedDicts', () => {
  void test('increments from several processes at once are all counted', async () => {
    await Promise.all([incrementer('k', 1500), incrementer('k', 1500), incrementer('k', 1500)]);
    assert.equal(dicts.dict('t').get('k'), 4500);
  });

  void test('a window keeps its first expiry; an expired key starts again from zero', async () => {
    const d = dicts.dict('window');
    const first = d.incr('w', 1, 40);
    const second = d.incr('w', 2, 10_000);
    assert.equal(second.value, 3);
    assert.equal(second.expiresAt, first.expiresAt);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(d.get('w'), undefined);
    assert.equal(d.incr('w', 1, 1000).value, 1);
  });

  void test('update is an atomic read-modify-write of a JSON value; undefined deletes', () => {
    const d = dicts.dict('json');
    d.update<{ n: number }>('s', (old) => ({ n: (old?.n ?? 0) + 1 }));
    assert.deepEqual(
      d.update<{ n: number }>('s', (old) => ({ n: (old?.n ?? 0) + 1 })),
      { n: 2 },
    );
    d.update('s', () => undefined);
    assert.equal(
      d.update<number>('s', (old) => old),
      undefined,
    );
  });

  void test('dicts are separate namespaces', () => {
    dicts.dict('a').incr('same', 5);
    assert.equal(dicts.dict('b').get('same'), undefined);
  });
});
