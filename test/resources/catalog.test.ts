import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CORE_SCHEMAS,
  PLUGIN_META_SCHEMA,
  RESOURCE_KINDS,
  findResourceKind,
} from '../../src/resources/catalog.js';

const KINDS: [dir: string, kind: string, unsupported: string[]][] = [
  ['routes', 'route', []],
  ['services', 'service', []],
  ['upstreams', 'upstream', []],
  ['consumers', 'consumer', ['POST', 'PATCH']],
  ['credentials', 'credential', ['POST', 'PATCH']],
  ['consumer_groups', 'consumer group', ['POST']],
  ['ssls', 'ssl', []],
  ['global_rules', 'global rule', ['POST']],
  ['plugin_configs', 'plugin config', ['POST']],
  ['plugin_metadata', 'plugin_metadata', ['POST', 'PATCH']],
  ['protos', 'proto', ['PATCH']],
  ['stream_routes', 'stream route', ['PATCH']],
  ['secrets', 'secret', ['POST']],
];

void describe('resource catalog', () => {
  void test('lists every resource kind of the Admin API, keyed by directory', () => {
    assert.deepEqual([...RESOURCE_KINDS.keys()].sort(), KINDS.map(([d]) => d).sort());
  });

  for (const [dir, kind, unsupported] of KINDS) {
    void test(`${dir} is named "${kind}" and refuses ${unsupported.join(', ') || 'nothing'}`, () => {
      const k = findResourceKind(dir);
      assert.equal(k?.kind, kind);
      assert.deepEqual([...(k?.unsupportedMethods ?? [])], unsupported);
    });
  }

  void test('consumers are keyed by username and store no id; plugin metadata has no timestamps', () => {
    assert.equal(findResourceKind('consumers')?.idField, 'username');
    assert.equal(findResourceKind('consumers')?.storesId, false);
    assert.equal(findResourceKind('plugin_metadata')?.timestamps, false);
    assert.equal(findResourceKind('routes')?.timestamps, true);
  });

  void test('answers undefined for an unknown directory', () => {
    assert.equal(findResourceKind('nope'), undefined);
  });

  void test('serves the core schemas GET /apisix/admin/schema/<name> needs', () => {
    for (const name of [
      'route',
      'service',
      'upstream',
      'consumer',
      'credential',
      'consumer_group',
      'global_rule',
      'plugin_config',
      'plugins',
      'proto',
      'ssl',
      'stream_route',
      'upstream_hash_header_schema',
      'upstream_hash_vars_schema',
    ]) {
      assert.ok(CORE_SCHEMAS[name], name);
    }
    assert.equal(CORE_SCHEMAS.route, findResourceKind('routes')?.schema);
  });

  void test('validateSchema returns the raw message without the invalid configuration prefix', () => {
    assert.equal(
      findResourceKind('routes')?.validateSchema({ uri: 1, upstream_id: 1 }),
      'property "uri" validation failed: wrong type: expected string, got number',
    );
  });

  void test('exports the _meta schema', () => {
    assert.equal(PLUGIN_META_SCHEMA.additionalProperties, false);
  });
});
