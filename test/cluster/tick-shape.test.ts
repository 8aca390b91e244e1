import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { test } from 'node:test';
import { pinTickObjectShape } from '../../src/cluster/tick-shape.js';

void test('init hooks get the nextTick queue entry itself, which the worker pins', () => {
  const resources: unknown[] = [];
  const hook = createHook({
    init(_asyncId, type, _triggerAsyncId, resource) {
      if (type === 'TickObject') resources.push(resource);
    },
  });
  const callback = (): void => {};
  hook.enable();
  process.nextTick(callback);
  hook.disable();
  assert.equal(resources.length, 1);
  assert.equal((resources[0] as { callback?: unknown }).callback, callback);
});

void test('pinning can be called again and ticks still run', async () => {
  pinTickObjectShape();
  pinTickObjectShape();
  const ran = await new Promise<boolean>((resolve) => process.nextTick(() => resolve(true)));
  assert.equal(ran, true);
});
