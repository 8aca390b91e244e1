import { GatehouseError } from '../../core/errors.js';

// `${{NAME}}` or `${{NAME:=default}}`: APISIX picked `${{` because nginx owns `$var` and `${var}`.
const VAR_REF = /\$\{\{\s*(\w+)\s*(?::=(.*?))?\s*\}\}/g;

/**
 * Substitutes environment variables in the raw text of a standalone config file, before it is
 * parsed (so a variable may carry any YAML, as in APISIX). A set variable wins over the default,
 * even when empty; the default is trimmed. Throws GH_ERR_CONFIG_ENV naming the variable and the
 * file when a variable is unset and has no default.
 *
 * @example substituteEnvInText('port: ${{PORT:=9080}}', {}, 'apisix.yaml') // 'port: 9080'
 */
export function substituteEnvInText(text: string, env: NodeJS.ProcessEnv, file: string): string {
  return text.replace(VAR_REF, (_ref, name: string, fallback: string | undefined) => {
    const value = env[name] ?? fallback?.trim();
    if (value === undefined) {
      throw new GatehouseError(
        'GH_ERR_CONFIG_ENV',
        `${file}: environment variable ${name} is not set and has no default (\${{${name}:=value}})`,
      );
    }
    return value;
  });
}
