import type { Logger } from './logger.js';
import { resolveSecretRefs } from './secret-ref.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Resolves the secret references of loaded confs once per conf object (a loaded item's conf
 * lives as long as that version of the item), logging each reference that does not resolve
 * once, as APISIX's `resolve_plugin_conf` logs it. A conf without references is returned as it
 * is and costs one walk, at build time, never per request.
 *
 * @example
 *   const secrets = new SecretRefResolver(logger);
 *   const conf = secrets.resolve(rawConf, { plugin: 'key-auth', owner: '/apisix/consumers/jack' });
 */
export class SecretRefResolver {
  readonly #logger: Logger;
  readonly #env: Env;
  readonly #resolved = new WeakMap<object, object>();

  constructor(logger: Logger, env: Env = process.env) {
    this.#logger = logger;
    this.#env = env;
  }

  /** `conf` with its references resolved; `where` names it in the log. */
  resolve<T extends object>(conf: T, where: Readonly<Record<string, unknown>>): T {
    const cached = this.#resolved.get(conf);
    if (cached !== undefined) return cached as T;
    const { value, failures } = resolveSecretRefs(conf, this.#env);
    for (const f of failures) {
      this.#logger.error(
        { ...where, field: f.path, ref: f.ref, reason: f.reason },
        'failed to resolve secret reference: it stays as it is',
      );
    }
    this.#resolved.set(conf, value);
    return value;
  }
}
