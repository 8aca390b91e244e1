/**
 * A plugin conf as the runtime hands it to hooks, for unit tests of the security plugins:
 * validated against the plugin's schema, defaults applied, `check` passed, then `prepare`d.
 *
 * @example
 *   const p = prepared(ipRestriction, { whitelist: ['10.0.0.0/8'] });
 *   ipRestriction.access?.(p, fakeContext({ clientIp: '10.1.2.3' }));
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateSchema, withSchemaDefaults } from '../../../src/core/schema.js';
import type { PluginDefinition, PluginEnv, SchemaKind } from '../../../src/plugin/types.js';
import { fakeEnv } from '../../support/fake-plugin-context.js';

/** The message the Admin API would put after `err: `, or undefined when the conf is accepted. */
export function confError<C, P>(
  def: PluginDefinition<C, P>,
  raw: unknown,
  kind: SchemaKind = 'route',
): string | undefined {
  const schema = kind === 'metadata' ? def.metadataSchema : def.schema;
  const err = validateSchema(schema ?? {}, raw);
  if (err !== undefined) return err;
  return def.check?.(withSchemaDefaults(schema ?? {}, raw) as C, kind);
}

export function prepared<C, P>(
  def: PluginDefinition<C, P>,
  raw: unknown,
  env: PluginEnv = fakeEnv(),
): P {
  const err = confError(def, raw);
  if (err !== undefined) throw new Error(`conf refused: ${err}`);
  const conf = withSchemaDefaults(def.schema, raw) as C;
  return def.prepare === undefined
    ? (conf as unknown as P)
    : def.prepare(conf, env, { key: 'routes/1', version: 1 });
}

export interface ConfErrorCase {
  readonly desc: string;
  readonly conf: unknown;
  readonly err: string;
}

/** One test per case: "refuses a conf with <desc>" with exactly `err`. */
export function testConfErrors<C, P>(
  def: PluginDefinition<C, P>,
  cases: readonly ConfErrorCase[],
): void {
  for (const c of cases) {
    void test(`refuses a conf with ${c.desc}`, () => {
      assert.equal(confError(def, c.conf), c.err);
    });
  }
}
