import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withoutConnectionHeaders } from '../../src/proxy/http2-response.js';

void test('connection-specific headers leave an HTTP/2 head, the rest stays in order', () => {
  const cases: { desc: string; given: string[]; kept: string[] }[] = [
    {
      desc: 'nothing to drop',
      given: ['Server', 'g', 'X-A', '1'],
      kept: ['Server', 'g', 'X-A', '1'],
    },
    {
      desc: 'every forbidden name, any case',
      given: [
        'Connection',
        'close',
        'X-A',
        '1',
        'Keep-Alive',
        'timeout=5',
        'Proxy-Connection',
        'x',
        'transfer-encoding',
        'chunked',
        'UPGRADE',
        'websocket',
        'HTTP2-Settings',
        'AA',
        'X-B',
        '2',
      ],
      kept: ['X-A', '1', 'X-B', '2'],
    },
    { desc: 'te: trailers is allowed', given: ['TE', 'trailers'], kept: ['TE', 'trailers'] },
    {
      desc: 'te other than trailers is not',
      given: ['te', 'gzip', 'X-A', '1'],
      kept: ['X-A', '1'],
    },
  ];
  for (const { desc, given, kept } of cases) {
    assert.deepEqual(withoutConnectionHeaders(given), kept, desc);
  }
  const clean = ['X-A', '1'];
  assert.equal(withoutConnectionHeaders(clean), clean, 'no copy when nothing is dropped');
});
