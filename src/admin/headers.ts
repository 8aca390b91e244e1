/**
 * Headers of every admin response (APISIX `http_admin` and `cors_admin`): Server,
 * Content-Type (JSON even for APISIX's few plain-text bodies) and, with
 * `enable_admin_cors`, the CORS headers.
 */
export function responseHeaders(version: string, cors: boolean): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {
    Server: `Gatehouse/${version}`,
    'Content-Type': 'application/json',
  };
  if (cors) {
    Object.assign(headers, {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Expose-Headers': '*',
      'Access-Control-Max-Age': '3600',
    });
  }
  return headers;
}

/** The answer to any `OPTIONS` request, before auth (browsers send preflights without keys). */
export function preflightHeaders(version: string): Readonly<Record<string, string>> {
  return {
    Server: `Gatehouse/${version}`,
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'POST, GET, PUT, OPTIONS, DELETE, PATCH',
    'Access-Control-Max-Age': '3600',
    'Access-Control-Allow-Headers': '*',
    'Access-Control-Allow-Credentials': 'true',
    'Content-Length': '0',
    'Content-Type': 'text/plain',
  };
}
