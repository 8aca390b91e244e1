import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import plugin from '../../src/plugins/consumer-restriction.js';
import type { PluginResponse } from '../../src/plugin/types.js';
import { fakeContext, fakeEnv } from '../support/fake-plugin-context.js';
import { fakeConsumer } from './lib/consumer.js';
import { validateSchema, withSchemaDefaults } from '../../src/core/schema.js';

interface Case {
  desc: string;
  conf: Record<string, unknown>;
  consumer?: { username: string; groupId?: string };
  method?: string;
  /** undefined: the request goes on. */
  want?: { status: number; message: string };
}

const cases: Case[] = [
  {
    desc: 'rejects a request no auth plugin identified with 401',
    conf: { whitelist: ['jack'] },
    want: {
      status: 401,
      message: 'The request is rejected, please check the consumer_name for this request',
    },
  },
  {
    desc: 'lets a whitelisted consumer through',
    conf: { whitelist: ['jack'] },
    consumer: { username: 'jack' },
  },
  {
    desc: 'rejects a consumer outside the whitelist with 403',
    conf: { whitelist: ['jack'] },
    consumer: { username: 'rose' },
    want: { status: 403, message: 'The consumer_name is forbidden.' },
  },
  {
    desc: 'rejects a blacklisted consumer with rejected_code and rejected_msg',
    conf: { blacklist: ['rose'], rejected_code: 409, rejected_msg: 'go away' },
    consumer: { username: 'rose' },
    want: { status: 409, message: 'go away' },
  },
  {
    desc: 'lets a consumer not in the blacklist through',
    conf: { blacklist: ['rose'] },
    consumer: { username: 'jack' },
  },
  {
    desc: 'rejects a method the consumer is not allowed',
    conf: { allowed_by_methods: [{ user: 'jack', methods: ['POST'] }] },
    consumer: { username: 'jack' },
    want: { status: 403, message: 'The consumer_name is forbidden.' },
  },
  {
    desc: 'allows a listed method, and any method of a consumer without an entry',
    conf: { allowed_by_methods: [{ user: 'jack', methods: ['GET'] }] },
    consumer: { username: 'rose' },
  },
  {
    desc: 'skips allowed_by_methods for a whitelisted consumer',
    conf: { whitelist: ['jack'], allowed_by_methods: [{ user: 'jack', methods: ['POST'] }] },
    consumer: { username: 'jack' },
  },
  {
    desc: 'reads the consumer group with type consumer_group_id',
    conf: { type: 'consumer_group_id', blacklist: ['g1'] },
    consumer: { username: 'jack', groupId: 'g1' },
    want: { status: 403, message: 'The consumer_group_id is forbidden.' },
  },
  {
    desc: 'rejects a consumer without group with type consumer_group_id',
    conf: { type: 'consumer_group_id', whitelist: ['g1'] },
    consumer: { username: 'jack' },
    want: {
      status: 401,
      message: 'The request is rejected, please check the consumer_group_id for this request',
    },
  },
  { desc: 'reads the route id with type route_id', conf: { type: 'route_id', whitelist: ['1'] } },
  {
    desc: 'rejects a request without service with type service_id',
    conf: { type: 'service_id', whitelist: ['1'] },
    want: {
      status: 401,
      message: 'The request is rejected, please check the service_id for this request',
    },
  },
];

void describe('consumer-restriction access', () => {
  for (const c of cases) {
    void test(c.desc, () => {
      const conf = withSchemaDefaults(plugin.schema, c.conf);
      assert.equal(validateSchema(plugin.schema, conf), undefined);
      const prepared = plugin.prepare!(conf as never, fakeEnv(), {
        key: '/apisix/routes/1',
        version: 1,
      });
      const ctx = fakeContext({ method: c.method ?? 'GET' });
      if (c.consumer !== undefined) {
        const { username, groupId } = c.consumer;
        ctx.attachConsumer(fakeConsumer(username, { groupId }));
      }
      const result = plugin.access!(prepared, ctx) as PluginResponse | undefined;
      assert.deepEqual(
        result && { status: result.status, message: (result.body as { message: string }).message },
        c.want,
      );
    });
  }

  void test('needs one of blacklist, whitelist, allowed_by_methods', () => {
    assert.equal(
      validateSchema(plugin.schema, { type: 'consumer_name' }),
      'object matches none of the required: ["blacklist"] or ["whitelist"] or ["allowed_by_methods"]',
    );
    assert.match(validateSchema(plugin.schema, { whitelist: [] }) ?? '', /whitelist/);
    assert.match(
      validateSchema(plugin.schema, { blacklist: ['a'], rejected_code: 199 }) ?? '',
      /rejected_code/,
    );
    assert.match(
      validateSchema(plugin.schema, { allowed_by_methods: [{ user: 'a', methods: ['FETCH'] }] }) ??
        '',
      /methods/,
    );
  });
});
