import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { configFromObject, loadConfig } from '../../src/config/load.js';
import { validateStandalone } from '../../src/gateway/validate-standalone.js';

const conf = (name: string): string =>
  fileURLToPath(new URL(`../../../conf/${name}`, import.meta.url));

void test('conf/config.yaml.example loads and states the defaults', () => {
  const example = loadConfig({ file: conf('config.yaml.example'), env: {} });
  const defaults = configFromObject({}, { prefix: example.prefix });
  for (const section of ['apisix', 'deployment', 'nginx_config', 'plugins', 'gatehouse'] as const) {
    assert.deepEqual(example[section], defaults[section], section);
  }
});

void test('conf/apisix.yaml.example is a valid standalone file', async () => {
  const config = configFromObject({});
  assert.deepEqual(await validateStandalone(conf('apisix.yaml.example'), config), []);
});
