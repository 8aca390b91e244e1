/** The request methods APISIX knows (schema_def.lua `method_schema`, radixtree's METHODS). */
export const HTTP_METHODS = [
  'GET',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'HEAD',
  'OPTIONS',
  'CONNECT',
  'TRACE',
  'PURGE',
] as const;
