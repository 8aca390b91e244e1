import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { TEST_CERT, TEST_KEY } from '../resources/pem-fixture.js';
import { gateway, json, send, type Gateway } from '../proxy/helpers.js';
import { fetchVia, h1Pool } from './h1-helpers.js';

let server: Server;
let port: number;
let gw: Gateway;

before(async () => {
  // Asks for a client certificate but lets the request in without one, and says what it saw.
  server = createServer(
    { cert: TEST_CERT, key: TEST_KEY, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          sni: (socket as unknown as { servername?: string | false }).servername || null,
          client: peer.subject?.CN ?? null,
          resumed: socket.isSessionReused(),
        }),
      );
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  gw = await gateway();
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await gw.close();
});

void describe('h1 over TLS', () => {
  void test('verify on with the issuer trusted: SNI is the server name and the request passes', async () => {
    const pool = h1Pool(port, {
      tls: { servername: 'test.com', rejectUnauthorized: true, ca: TEST_CERT },
    });
    const res = await fetchVia(pool);
    assert.equal(res.error, undefined);
    assert.deepEqual(JSON.parse(res.body), { sni: 'test.com', client: null, resumed: false });
    await pool.close();
  });

  void test('verify on with a certificate for another name fails the request', async () => {
    const pool = h1Pool(port, {
      tls: { servername: 'other.example', rejectUnauthorized: true, ca: TEST_CERT },
    });
    assert.equal((await fetchVia(pool)).error?.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    await pool.close();
  });

  void test('verify on with an untrusted self-signed certificate fails the request', async () => {
    const pool = h1Pool(port, { tls: { servername: 'test.com', rejectUnauthorized: true } });
    assert.equal((await fetchVia(pool)).error?.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    await pool.close();
  });

  void test('a new connection resumes the TLS session of an earlier one', async () => {
    const pool = h1Pool(port, {
      tls: { servername: 'test.com', rejectUnauthorized: false },
      maxRequests: 1,
    });
    await fetchVia(pool);
    const second = await fetchVia(pool);
    assert.equal((JSON.parse(second.body) as { resumed: boolean }).resumed, true);
    await pool.close();
  });

  void test('through the gateway: tls.client_cert is presented, no SNI for an IP host', async () => {
    gw.feed.put('routes/mtls', {
      uri: '/mtls',
      upstream: {
        scheme: 'https',
        pass_host: 'node',
        tls: { client_cert: TEST_CERT, client_key: TEST_KEY },
        nodes: { [`127.0.0.1:${port}`]: 1 },
      },
    });
    const r = await send(`${gw.url}/mtls`);
    assert.equal(r.status, 200);
    assert.deepEqual(json(r), { sni: null, client: 'test.com', resumed: false });
  });
});
