import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FlatResponse } from '../../src/proxy/response-view.js';

const HEAD = ['Content-Type', 'text/plain', 'X-RateLimit-Limit', '10', 'x-ratelimit-limit', '11'];

function response(): FlatResponse {
  const r = new FlatResponse();
  r.reset(200, [...HEAD]);
  return r;
}

void describe('FlatResponse header names', () => {
  const cases: Array<{ desc: string; name: string; header: string | undefined; left: string[] }> = [
    {
      desc: 'matches every spelling of a name, whatever the case asked',
      name: 'X-RATELIMIT-LIMIT',
      header: '10, 11',
      left: ['Content-Type', 'text/plain'],
    },
    {
      desc: 'keeps names of the same length that differ',
      name: 'X-RateLimit-Limiu',
      header: undefined,
      left: HEAD,
    },
    {
      desc: 'does not take characters 0x20 apart for letters',
      name: 'X\u000dRateLimit-Limit',
      header: undefined,
      left: HEAD,
    },
    {
      desc: 'leaves the list alone when no name matches',
      name: 'Vary',
      header: undefined,
      left: HEAD,
    },
  ];
  for (const c of cases) {
    void test(c.desc, () => {
      const r = response();
      assert.equal(r.header(c.name), c.header);
      r.remove(c.name);
      assert.deepEqual(r.headerList, c.left);
    });
  }

  void test('setHeader replaces every value of a name at the end of the list', () => {
    const r = response();
    r.setHeader('x-ratelimit-LIMIT', '9');
    assert.deepEqual(r.headerList, ['Content-Type', 'text/plain', 'x-ratelimit-LIMIT', '9']);
  });
});
