import type { MatchErrorHandler } from './compiled-route.js';
import { HostUriRouter } from './host-uri-router.js';
import type { Router, RouterKind } from './types.js';
import { UriRouter } from './uri-router.js';

export interface RouterOptions {
  /** Told about a route whose `vars` or filter threw; that route did not match (spec §4.3). */
  readonly onError?: MatchErrorHandler;
}

/**
 * The router named by `apisix.router.http`.
 *
 * @example
 *   const router = createRouter('radixtree_host_uri');
 *   router.upsert({ id: '1', paths: ['/api/*'], hosts: ['*.example.com'], priority: 0 });
 *   router.match({ method: 'GET', path: '/api/x', host: 'a.example.com', ... }); // { id: '1' }
 */
export function createRouter(kind: RouterKind, opts: RouterOptions = {}): Router {
  switch (kind) {
    case 'radixtree_host_uri':
      return new HostUriRouter(opts);
    case 'radixtree_uri':
      return new UriRouter({ ...opts, params: false });
    case 'radixtree_uri_with_parameter':
      return new UriRouter({ ...opts, params: true });
  }
}
