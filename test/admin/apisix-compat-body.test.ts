import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAdmin, type TestAdmin } from './helpers.js';

// APISIX's grpc-transcode docs PUT a proto whose `content` spans lines without escaping them;
// lua-cjson accepts that, so the same curl must work here (t/admin/protos.t TEST 1).
const MULTI_LINE_PROTO = `{
    "content" : "syntax = \\"proto3\\";
    package helloworld;
    message HelloRequest {
        string name = 1;
    }"
}`;

void describe('request bodies as lua-cjson reads them', () => {
  let admin: TestAdmin;
  before(async () => {
    admin = await startAdmin();
  });
  after(() => admin.close());

  void it('accepts raw newlines inside JSON strings, as APISIX docs send proto content', async () => {
    const res = await admin.request('PUT', '/apisix/admin/protos/1', MULTI_LINE_PROTO);
    assert.equal(res.status, 201, res.text);
    assert.match(res.body.value.content, /^syntax = "proto3";\n {4}package helloworld;\n/);
  });

  void it('accepts a raw tab inside a string next to escaped quotes and backslashes', async () => {
    const res = await admin.request(
      'PUT',
      '/apisix/admin/routes/1',
      '{"uri":"/a","desc":"a\tb \\"c\\" \\\\","upstream":{"nodes":{"127.0.0.1:80":1}}}',
    );
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.value.desc, 'a\tb "c" \\');
  });

  void it('still refuses a body that is not JSON, with the strict parser error', async () => {
    const res = await admin.request('PUT', '/apisix/admin/routes/1', '{"uri":"/a\n');
    assert.equal(res.status, 400);
    assert.match(res.body.error_msg, /^invalid request body: /);
    assert.equal(res.body.req_body, '{"uri":"/a\n');
  });
});
