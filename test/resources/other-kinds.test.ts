import { describe, test } from 'node:test';
import { runCheck, type CheckCase } from './helpers.js';

const PROTO = `syntax = "proto3";
package helloworld;
service Greeter { rpc SayHello (HelloRequest) returns (HelloReply) {} }
message HelloRequest { string name = 1; }
message HelloReply { string message = 1; }`;

const tables: Record<string, CheckCase[]> = {
  plugin_metadata: [
    {
      desc: 'accepts metadata matching the plugin metadata schema',
      id: 'limit-count',
      value: { limit_header: 'X-Limit' },
    },
    {
      desc: 'rejects metadata failing the plugin metadata schema',
      id: 'limit-count',
      value: {},
      error: 'invalid configuration: property "limit_header" is required',
    },
    {
      desc: 'accepts any object for a plugin without a metadata schema',
      id: 'echo',
      value: { a: 1 },
    },
    {
      desc: 'rejects metadata of an unknown plugin',
      id: 'nope',
      value: {},
      error: 'invalid plugin name',
    },
  ],
  protos: [
    { desc: 'accepts a proto that compiles', value: { content: PROTO } },
    {
      desc: 'rejects a proto without content',
      value: { name: 'x' },
      error: 'invalid configuration: property "content" is required',
    },
    {
      desc: 'rejects content that does not compile',
      value: { content: 'syntax = "proto3"; message {' },
      error: "invalid content: illegal type name '{' (line 1)",
    },
  ],
  stream_routes: [
    { desc: 'accepts an empty stream route (matches every connection)', value: {} },
    {
      desc: 'accepts a stream route by server address and port',
      value: {
        server_addr: '127.0.0.1',
        server_port: 9100,
        upstream: { nodes: { '127.0.0.1:1995': 1 } },
      },
    },
    {
      desc: 'rejects a server_port out of range',
      value: { server_port: 70000 },
      error:
        'invalid configuration: property "server_port" validation failed: expected 70000 to be at most 65535',
    },
    {
      desc: 'rejects a stream route whose upstream_id does not exist',
      value: { upstream_id: 3 },
      error: 'failed to fetch upstream info by upstream id [3], response code: 404',
    },
    {
      desc: 'rejects a stream route that is its own superior',
      id: '5',
      value: { protocol: { name: 'redis', superior_id: 5 } },
      error: 'stream route can not set itself as superior_id',
    },
    {
      desc: 'rejects a superior of another protocol',
      value: { protocol: { name: 'redis', superior_id: 2 } },
      store: { 'stream_routes/2': { protocol: { name: 'dubbo' } } },
      error:
        'protocol mismatch: subordinate protocol [redis] does not match superior protocol [dubbo]',
    },
    {
      desc: 'rejects a missing superior',
      value: { protocol: { name: 'redis', superior_id: 2 } },
      error: 'failed to fetch stream routes[2], response code: 404',
    },
  ],
  secrets: [
    {
      desc: 'accepts a vault secret manager',
      id: 'vault/1',
      value: { uri: 'http://127.0.0.1:8200', prefix: 'kv/apisix', token: 't' },
    },
    {
      desc: 'rejects a vault manager without token',
      id: 'vault/1',
      value: { uri: 'http://127.0.0.1:8200', prefix: 'kv/apisix' },
      error: 'invalid configuration: property "token" is required',
    },
    {
      desc: 'rejects a gcp manager with neither auth_config nor auth_file',
      id: 'gcp/1',
      value: { ssl_verify: true },
      error: 'invalid configuration: value should match only one schema, but matches none',
    },
    {
      desc: 'rejects an unknown secret manager',
      id: 'foo/1',
      value: {},
      error: 'invalid secret manager: foo',
    },
  ],
};

for (const [dir, cases] of Object.entries(tables)) {
  void describe(`${dir} check`, () => {
    for (const c of cases) void test(c.desc, () => runCheck(dir, c));
  });
}
