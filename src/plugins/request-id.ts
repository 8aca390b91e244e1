import type { PluginDefinition } from '../plugin/types.js';
import { ksuid, nanoid, rangeId, uuid, uuidv7 } from './lib/request-ids.js';

/**
 * request-id (spec §2.4): gives every request an id in a header (`X-Request-Id`), keeping one
 * the client sent, passes it upstream and returns it in the response.
 */

// APISIX's default set, typo included ('G' twice, no 'J'): ids must look the same.
const DEFAULT_CHAR_SET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIGKLMNOPQRSTUVWXYZ0123456789';

const schema = {
  type: 'object',
  properties: {
    header_name: { type: 'string', default: 'X-Request-Id' },
    include_in_response: { type: 'boolean', default: true },
    algorithm: {
      type: 'string',
      enum: ['uuid', 'nanoid', 'range_id', 'ksuid', 'uuidv7'],
      default: 'uuid',
    },
    range_id: {
      type: 'object',
      properties: {
        length: { type: 'integer', minimum: 6, default: 16 },
        char_set: { type: 'string', minLength: 6, default: DEFAULT_CHAR_SET },
      },
      default: { length: 16, char_set: DEFAULT_CHAR_SET },
    },
  },
};

interface RequestIdConf {
  header_name: string;
  include_in_response: boolean;
  algorithm: 'uuid' | 'nanoid' | 'range_id' | 'ksuid' | 'uuidv7';
  range_id: { length: number; char_set: string };
}

interface Prepared {
  readonly header: string;
  readonly inResponse: boolean;
  readonly generate: () => string;
  /** Where rewrite leaves the id for headerFilter (one key per header name, as APISIX). */
  readonly dataKey: string;
}

function generator(conf: RequestIdConf): () => string {
  switch (conf.algorithm) {
    case 'nanoid':
      return nanoid;
    case 'range_id': {
      const { char_set: charSet, length } = conf.range_id;
      return () => rangeId(charSet, length);
    }
    case 'ksuid':
      return ksuid;
    case 'uuidv7':
      return uuidv7;
    case 'uuid':
      return uuid;
  }
}

const plugin: PluginDefinition<RequestIdConf, Prepared> = {
  name: 'request-id',
  version: 0.1,
  priority: 12015,
  schema,
  prepare: (conf) => ({
    header: conf.header_name,
    inResponse: conf.include_in_response,
    generate: generator(conf),
    dataKey: `request-id-${conf.header_name}`,
  }),
  uses: (p, hook) => hook !== 'headerFilter' || p.inResponse,
  rewrite(p, ctx) {
    let id = ctx.header(p.header);
    if (id === undefined || id === '') {
      id = p.generate();
      ctx.setHeader(p.header, id);
    }
    if (p.inResponse) ctx.data.set(p.dataKey, id);
    if (ctx.var('apisix_request_id')) ctx.setVar('apisix_request_id', id);
  },
  headerFilter(p, ctx) {
    if (!p.inResponse) return;
    const sent = ctx.response.header(p.header);
    if (sent !== undefined && sent !== '') return;
    const id = ctx.data.get(p.dataKey);
    if (typeof id === 'string') ctx.response.setHeader(p.header, id);
  },
};

export default plugin;
