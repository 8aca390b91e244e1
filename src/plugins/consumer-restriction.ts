import { HTTP_METHODS } from '../core/http-methods.js';
import type { PluginContext, PluginDefinition, PluginResponse } from '../plugin/types.js';

/**
 * consumer-restriction (spec-plugins §2.2): allows or rejects a request by the identified
 * consumer's name or group, or by the route or service it matched, with a black list, a white
 * list, or per-consumer allowed methods.
 */

type RestrictBy = 'consumer_name' | 'consumer_group_id' | 'service_id' | 'route_id';

interface ConsumerRestrictionConf {
  readonly type: RestrictBy;
  readonly blacklist?: readonly string[];
  readonly whitelist?: readonly string[];
  readonly allowed_by_methods?: ReadonlyArray<{ user?: string; methods?: readonly string[] }>;
  readonly rejected_code: number;
  readonly rejected_msg?: string;
}

interface Prepared {
  readonly valueOf: (ctx: PluginContext) => string | undefined;
  readonly blacklist: ReadonlySet<string> | undefined;
  readonly whitelist: ReadonlySet<string> | undefined;
  /** user → methods; the first entry of a user wins, as APISIX reads the list in order. */
  readonly methodsByUser: ReadonlyMap<string, ReadonlySet<string>> | undefined;
  readonly unidentified: PluginResponse;
  readonly forbidden: PluginResponse;
}

const VALUE_OF: Readonly<Record<RestrictBy, (ctx: PluginContext) => string | undefined>> = {
  consumer_name: (ctx) => ctx.consumer?.username,
  consumer_group_id: (ctx) => ctx.consumer?.groupId,
  service_id: (ctx) => ctx.serviceId,
  route_id: (ctx) => ctx.routeId,
};

function methodsByUser(
  entries: ConsumerRestrictionConf['allowed_by_methods'],
): Map<string, ReadonlySet<string>> | undefined {
  if (entries === undefined || entries.length === 0) return undefined;
  const byUser = new Map<string, ReadonlySet<string>>();
  for (const { user, methods } of entries) {
    if (user !== undefined && !byUser.has(user)) byUser.set(user, new Set(methods ?? []));
  }
  return byUser;
}

const plugin: PluginDefinition<ConsumerRestrictionConf, Prepared> = {
  name: 'consumer-restriction',
  version: 0.1,
  priority: 2400,
  schema: {
    type: 'object',
    properties: {
      type: {
        type: 'string',
        enum: ['consumer_name', 'service_id', 'route_id', 'consumer_group_id'],
        default: 'consumer_name',
      },
      blacklist: { type: 'array', minItems: 1, items: { type: 'string' } },
      whitelist: { type: 'array', minItems: 1, items: { type: 'string' } },
      allowed_by_methods: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            user: { type: 'string' },
            methods: {
              type: 'array',
              minItems: 1,
              items: { description: 'HTTP method', type: 'string', enum: [...HTTP_METHODS] },
            },
          },
        },
      },
      rejected_code: { type: 'integer', minimum: 200, default: 403 },
      rejected_msg: { type: 'string' },
    },
    anyOf: [
      { required: ['blacklist'] },
      { required: ['whitelist'] },
      { required: ['allowed_by_methods'] },
    ],
  },

  prepare: (conf) => ({
    valueOf: VALUE_OF[conf.type],
    blacklist: conf.blacklist && new Set(conf.blacklist),
    whitelist: conf.whitelist && new Set(conf.whitelist),
    methodsByUser: methodsByUser(conf.allowed_by_methods),
    unidentified: {
      status: 401,
      body: { message: `The request is rejected, please check the ${conf.type} for this request` },
    },
    forbidden: {
      status: conf.rejected_code,
      body: { message: conf.rejected_msg ?? `The ${conf.type} is forbidden.` },
    },
  }),

  access(conf, ctx) {
    const value = conf.valueOf(ctx);
    if (value === undefined) return conf.unidentified;
    if (conf.blacklist?.has(value) === true) return conf.forbidden;
    const whitelisted = conf.whitelist?.has(value) === true;
    if (conf.whitelist !== undefined && !whitelisted) return conf.forbidden;
    if (conf.methodsByUser !== undefined && !whitelisted) {
      const allowed = conf.methodsByUser.get(value);
      // The method as it stands after rewrite (proxy-rewrite `method`), as ngx.req.get_method.
      if (allowed !== undefined && !allowed.has(ctx.upstreamMethod)) return conf.forbidden;
    }
    return undefined;
  },
};

export default plugin;
