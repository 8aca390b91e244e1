/**
 * A consumer as the runtime attaches it, for hook tests: no group, labels nor plugins unless
 * given, and a store key made from the username.
 *
 * @example
 *   ctx.attachConsumer(fakeConsumer('jack', { groupId: 'g1' }));
 */
import type { Consumer } from '../../../src/plugin/types.js';

export function fakeConsumer(username: string, more: Partial<Consumer> = {}): Consumer {
  return {
    username,
    groupId: undefined,
    labels: undefined,
    plugins: {},
    key: `/apisix/consumers/${username}`,
    modRevision: 1,
    ...more,
  };
}
