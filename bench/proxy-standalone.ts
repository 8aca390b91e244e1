/**
 * The proxy handler alone in one process, for bench/proxy-cost.sh (../shared/bench/run.sh's
 * GW_CMD): one route `/*` created as a KeyValue, as the primary would send it, to the upstream in
 * UPSTREAM (default http://127.0.0.1:18080), listening on PORT (default 9080).
 */
import { createServer } from 'node:http';
import { createLogger } from '../src/core/logger.js';
import { createProxyHandler } from '../src/proxy/handler.js';
import { plainState } from './plain-state.js';

const upstream = new URL(process.env.UPSTREAM ?? 'http://127.0.0.1:18080');
const port = Number(process.env.PORT ?? 9080);
const logger = createLogger('proxy-standalone', 'warn');

const state = plainState(logger);
const route = { uri: '/*', upstream: { type: 'roundrobin', nodes: { [upstream.host]: 1 } } };
state.reset(
  [
    {
      key: '/apisix/routes/1',
      value: JSON.stringify(route),
      createRevision: 2,
      modRevision: 2,
      lease: 0,
    },
  ],
  2,
);

const proxy = createProxyHandler(state, { version: '3.14.0', logger });
createServer({ keepAliveTimeout: 60_000 }, proxy.onRequest)
  .on('upgrade', proxy.onUpgrade)
  .listen(port, '127.0.0.1');
