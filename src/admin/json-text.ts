/**
 * A reply body already in JSON: the server sends `text` (and APISIX's trailing newline) without
 * stringifying again. A write's envelope is built from the JSON the store write made of the
 * value, byte for byte what `JSON.stringify({ key, value })` would give.
 *
 * @example
 *   return { status: 200, body: itemEnvelope('/apisix/routes/1', '{"uri":"/"}') };
 */
export class JsonText {
  constructor(readonly text: string) {}
}

/** `{"key":…,"value":…}` from the value's JSON. */
export function itemEnvelope(key: string, valueJson: string): JsonText {
  return new JsonText(`{"key":${JSON.stringify(key)},"value":${valueJson}}`);
}
