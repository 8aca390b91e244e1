import type { PluginDefinition } from '../plugin/types.js';
import realIp from '../plugins/real-ip.js';
import requestId from '../plugins/request-id.js';
import faultInjection from '../plugins/fault-injection.js';
import mocking from '../plugins/mocking.js';
import serverlessPreFunction from '../plugins/serverless-pre-function.js';
import cors from '../plugins/cors.js';
import ipRestriction from '../plugins/ip-restriction.js';
import uaRestriction from '../plugins/ua-restriction.js';
import refererRestriction from '../plugins/referer-restriction.js';
import uriBlocker from '../plugins/uri-blocker.js';
import basicAuth from '../plugins/basic-auth.js';
import jwtAuth from '../plugins/jwt-auth.js';
import keyAuth from '../plugins/key-auth.js';
import consumerRestriction from '../plugins/consumer-restriction.js';
import proxyRewrite from '../plugins/proxy-rewrite.js';
import limitConn from '../plugins/limit-conn.js';
import limitCount from '../plugins/limit-count.js';
import limitReq from '../plugins/limit-req.js';
import redirect from '../plugins/redirect.js';
import responseRewrite from '../plugins/response-rewrite.js';
import prometheus from '../plugins/prometheus.js';
import echo from '../plugins/echo.js';
import serverlessPostFunction from '../plugins/serverless-post-function.js';

/**
 * Every plugin Gatehouse ships, HTTP and stream, one file each under src/plugins/. config.yaml's
 * `plugins` / `stream_plugins` choose which of these are enabled; custom plugins come from
 * `gatehouse.plugin_dir`.
 */
export const BUILTIN_PLUGINS: readonly PluginDefinition[] = [
  realIp,
  requestId,
  faultInjection,
  mocking,
  serverlessPreFunction,
  cors,
  ipRestriction,
  uaRestriction,
  refererRestriction,
  uriBlocker,
  basicAuth,
  jwtAuth,
  keyAuth,
  consumerRestriction,
  proxyRewrite,
  limitConn,
  limitCount,
  limitReq,
  redirect,
  responseRewrite,
  prometheus,
  echo,
  serverlessPostFunction,
];
