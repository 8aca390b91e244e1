import type { JsonSchema } from '../plugin/types.js';
import type { ResourceKind } from '../resources/types.js';
import { badRequest, notFound } from './errors.js';
import type { Reply } from './types.js';

/** `GET /apisix/admin/schema/{name}`: a core schema (`route`, `upstream`, `plugins`, ...). */
export function getCoreSchema(
  schemas: ReadonlyMap<string, JsonSchema>,
  name: string | undefined,
): Reply {
  const schema = name === undefined ? undefined : schemas.get(name);
  if (schema === undefined) throw badRequest(`not found schema: ${name ?? ''}`);
  return { status: 200, body: schema };
}

/**
 * `POST /apisix/admin/schema/validate/{dir}`: the resource's JSON schema only (no reference
 * or plugin checks), answering with the raw schema message, without `invalid configuration: `.
 */
export function validateAgainstSchema(
  kind: ResourceKind | undefined,
  dir: string,
  body: unknown,
): Reply {
  if (kind === undefined) throw notFound(`Unsupported resource type: ${dir}`);
  const message = kind.validateSchema(body === undefined ? null : body);
  if (message !== undefined) throw badRequest(message);
  return { status: 200 };
}
