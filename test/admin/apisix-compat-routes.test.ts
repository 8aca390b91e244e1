import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAdmin, type TestAdmin } from './helpers.js';

const UPSTREAM = { type: 'roundrobin', nodes: { '127.0.0.1:1980': 1 } };

function route(left: string): unknown {
  return { uri: '/hello', vars: [[[left, 'has', 'image_url']]], upstream: UPSTREAM };
}

// t/admin/routes_request_body.t: a post_arg operand must be a valid JSONPath.
void describe('route vars with post_arg JSONPath operands', () => {
  let admin: TestAdmin;
  before(async () => {
    admin = await startAdmin();
  });
  after(() => admin.close());

  void it('rejects a post_arg operand that is not a valid JSONPath', async () => {
    const res = await admin.request(
      'PUT',
      '/apisix/admin/routes/1',
      route('post_arg.messages[.content[*].type'),
    );
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, {
      error_msg:
        'failed to validate the \'vars\' expression: invalid expression "$.messages[.content[*].type" near "[.content[*].type"',
    });
  });

  const valid = [
    'post_arg.model',
    'post_arg.model.name',
    'post_arg.messages[*].content[*].type',
    'post_arg.messages[0].role',
    "post_arg.a['b c'].d",
    'post_arg.items[0,2]',
    'post_arg.items[1:3]',
    'post_arg..type',
    'post_arg.items[?(@.price < 10)].name',
  ];
  for (const left of valid) {
    void it(`accepts the post_arg operand ${left}`, async () => {
      const res = await admin.request('PUT', '/apisix/admin/routes/ok', route(left));
      assert.ok(res.status === 200 || res.status === 201, res.text);
    });
  }

  const invalid = ['post_arg.a[', 'post_arg.a]', 'post_arg.a[?(@.b]', 'post_arg.a b'];
  for (const left of invalid) {
    void it(`rejects the post_arg operand ${left}`, async () => {
      const res = await admin.request('PUT', '/apisix/admin/routes/bad', route(left));
      assert.equal(res.status, 400);
      assert.match(
        res.body.error_msg,
        /^failed to validate the 'vars' expression: invalid expression/,
      );
    });
  }
});
