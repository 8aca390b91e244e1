/**
 * What an expression (and a route's `filter_func`) reads from a request: variables looked up by
 * name, lazily, because building all of them per request would cost too much.
 *
 * `get` answers string variables (`uri`, `http_x_foo`, `arg_id`, ...). `getList` is optional and
 * answers only list-valued variables (`graphql_root_fields`), the left side of `has`; a source
 * without it makes every `has` false, as lua-resty-expr does for a non-table variable. It is a
 * second method rather than a wider `get` so that every reader of `get` keeps a plain string.
 *
 * @example
 *   const vars: RequestVars = { get: (name) => (name === 'uri' ? '/a' : undefined) };
 */
export interface RequestVars {
  get(name: string): string | undefined;
  getList?(name: string): readonly string[] | undefined;
}
