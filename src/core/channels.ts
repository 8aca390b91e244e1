/**
 * Gatehouse's own diagnostics channels (node:diagnostics_channel), for what node does not
 * publish itself.
 */

/**
 * An HTTP/2 request started on an SSL listener, as node:http publishes
 * `http.server.request.start` for HTTP/1.x (node:http2 publishes none): `{ request, response }`.
 *
 * @example
 *   subscribe(HTTP2_REQUEST_START, (m) => {
 *     (m as { response: EventEmitter }).response.once('close', done);
 *   });
 */
export const HTTP2_REQUEST_START = 'gatehouse.http2.server.request.start';
