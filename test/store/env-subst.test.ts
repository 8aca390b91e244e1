import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isGatehouseError } from '../../src/core/errors.js';
import { substituteEnvInText } from '../../src/store/yaml/env-subst.js';

const env = { HOST: 'example.com', EMPTY: '', PORT: '9080' };

const cases: Array<{ desc: string; text: string; want: string }> = [
  { desc: 'a set variable', text: 'host: ${{HOST}}', want: 'host: example.com' },
  { desc: 'spaces inside the braces', text: 'host: ${{ HOST }}', want: 'host: example.com' },
  { desc: 'a default for an unset variable', text: 'x: ${{NOPE:=dflt}}', want: 'x: dflt' },
  { desc: 'a default is trimmed', text: 'x: ${{ NOPE :=  dflt  }}', want: 'x: dflt' },
  { desc: 'a set variable wins over its default', text: '${{PORT:=1}}', want: '9080' },
  { desc: 'an empty variable is still set', text: '[${{EMPTY:=d}}]', want: '[]' },
  { desc: 'several references on one line', text: '${{HOST}}:${{PORT}}', want: 'example.com:9080' },
  { desc: 'an empty default', text: '[${{NOPE:=}}]', want: '[]' },
  { desc: 'nginx-style $var is left alone', text: '$host ${host}', want: '$host ${host}' },
];

for (const { desc, text, want } of cases) {
  void test(`substitutes ${desc}`, () => {
    assert.equal(substituteEnvInText(text, env, 'apisix.yaml'), want);
  });
}

void test('an unset variable without a default throws GH_ERR_CONFIG_ENV naming it and the file', () => {
  assert.throws(
    () => substituteEnvInText('a: ${{MISSING_VAR}}', env, 'conf/apisix.yaml'),
    (err) =>
      isGatehouseError(err, 'GH_ERR_CONFIG_ENV') &&
      err.message.includes('MISSING_VAR') &&
      err.message.includes('conf/apisix.yaml'),
  );
});
