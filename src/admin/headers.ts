/**
 * Headers of every admin response (APISIX `http_admin` and `cors_admin`): Server,
 * Content-Type (JSON even for APISIX's few plain-text bodies) and, with
 * `enable_admin_cors`, the CORS headers. A flat `[name, value, ...]` list, the form
 * `writeHead` takes without building an object per response.
 */
export function responseHeaders(version: string, cors: boolean): readonly string[] {
  const headers = ['Server', `Gatehouse/${version}`, 'Content-Type', 'application/json'];
  if (cors) {
    headers.push(
      'Access-Control-Allow-Origin',
      '*',
      'Access-Control-Allow-Credentials',
      'true',
      'Access-Control-Expose-Headers',
      '*',
      'Access-Control-Max-Age',
      '3600',
    );
  }
  return headers;
}

/** The answer to any `OPTIONS` request, before auth (browsers send preflights without keys). */
export function preflightHeaders(version: string): string[] {
  return [
    'Server',
    `Gatehouse/${version}`,
    'Access-Control-Allow-Origin',
    '*',
    'Access-Control-Allow-Methods',
    'POST, GET, PUT, OPTIONS, DELETE, PATCH',
    'Access-Control-Max-Age',
    '3600',
    'Access-Control-Allow-Headers',
    '*',
    'Access-Control-Allow-Credentials',
    'true',
    'Content-Length',
    '0',
    'Content-Type',
    'text/plain',
  ];
}
