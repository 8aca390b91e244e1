import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, test } from 'node:test';
import type { Peer } from '../../src/proxy/client-address.js';
import { upstreamHeaders, type HeaderEdits } from '../../src/proxy/request-headers.js';

const peer: Peer = {
  addr: '10.0.0.9',
  realIpTrusted: false,
  trusted: false,
  scheme: 'http',
  serverPort: '9080',
};

/** Just what upstreamHeaders reads of a request: its raw headers and node's parsed view. */
function request(raw: string[]): IncomingMessage {
  const headers: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    headers[name] = headers[name] === undefined ? raw[i + 1]! : `${headers[name]}, ${raw[i + 1]!}`;
  }
  return { rawHeaders: raw, headers } as unknown as IncomingMessage;
}

const CLIENT = ['Host', 'example.com', 'Accept', '*/*', 'apikey', 'k1', 'X-Trace', 't1'];
const GATEWAY = [
  'x-real-ip',
  '10.0.0.9',
  'x-forwarded-for',
  '10.0.0.9',
  'x-forwarded-proto',
  'http',
  'x-forwarded-host',
  'example.com',
  'x-forwarded-port',
  '9080',
];

void describe('upstreamHeaders with plugins’ header edits', () => {
  const cases: Array<{ desc: string; edits: HeaderEdits | undefined; want: string[] }> = [
    {
      desc: 'no edits: the client’s headers, then the ones the gateway sets',
      edits: undefined,
      want: ['host', '', 'Accept', '*/*', 'apikey', 'k1', 'X-Trace', 't1', ...GATEWAY],
    },
    {
      desc: 'an empty edit map changes nothing',
      edits: new Map(),
      want: ['host', '', 'Accept', '*/*', 'apikey', 'k1', 'X-Trace', 't1', ...GATEWAY],
    },
    {
      desc: 'a removed header is left out whatever its case; a set one comes last',
      edits: new Map([
        ['apikey', undefined],
        ['x-trace', 't2'],
        ['x-consumer-username', 'jack'],
      ]),
      want: [
        'host',
        '',
        'Accept',
        '*/*',
        ...GATEWAY,
        'x-trace',
        't2',
        'x-consumer-username',
        'jack',
      ],
    },
    {
      desc: 'an edit replaces a header the gateway sets too',
      edits: new Map([
        ['x-forwarded-for', '192.0.2.1'],
        ['x-real-ip', undefined],
      ]),
      want: [
        'host',
        '',
        'Accept',
        '*/*',
        'apikey',
        'k1',
        'X-Trace',
        't1',
        ...GATEWAY.slice(4),
        'x-forwarded-for',
        '192.0.2.1',
      ],
    },
  ];
  for (const c of cases) {
    void test(c.desc, () => {
      assert.deepEqual(upstreamHeaders(request(CLIENT), '10.0.0.9', peer, false, c.edits), c.want);
    });
  }
});
