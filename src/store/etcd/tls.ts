import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Channel, credentials as grpcCredentials } from '@grpc/grpc-js';
import type { IOptions } from 'etcd3';
import { GatehouseError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';

/** `deployment.etcd.tls`, plus the CA file of `apisix.ssl.ssl_trusted_certificate`. */
export interface EtcdTlsOptions {
  /** PEM files for mTLS to etcd. */
  cert?: string;
  key?: string;
  /** PEM file of the CA that signed etcd's certificate (APISIX: ssl_trusted_certificate). */
  ca?: string;
  /** false: do not verify etcd's certificate at all (chain nor name), as in APISIX. */
  verify?: boolean;
  /** The name sent as SNI and checked against etcd's certificate instead of the URL's host. */
  sni?: string;
}

/**
 * The etcd3 options for `deployment.etcd.tls`. Only the https endpoints use them: etcd3 picks
 * TLS per client from the URL scheme of `hosts`.
 */
export function etcdTlsOptions(
  tls: EtcdTlsOptions | undefined,
  logger: Logger,
): Pick<IOptions, 'credentials' | 'grpcOptions'> {
  if (!tls) return {};
  const ca = tls.ca ? readPem(tls.ca, 'apisix.ssl.ssl_trusted_certificate') : undefined;
  const key = tls.key ? readPem(tls.key, 'deployment.etcd.tls.key') : undefined;
  const cert = tls.cert ? readPem(tls.cert, 'deployment.etcd.tls.cert') : undefined;
  const out: Pick<IOptions, 'credentials' | 'grpcOptions'> = {};
  if (ca || key || cert) {
    out.credentials = {
      rootCertificate: ca ?? Buffer.from(rootCertificates.join('\n')),
      ...(key ? { privateKey: key } : {}),
      ...(cert ? { certChain: cert } : {}),
    };
  }
  const grpcOptions: NonNullable<IOptions['grpcOptions']> = {};
  // grpc-js sends this name as SNI and checks the certificate against it.
  if (tls.sni) grpcOptions['grpc.ssl_target_name_override'] = tls.sni;
  if (tls.verify === false) {
    logger.warn(
      'deployment.etcd.tls.verify is false: the certificate of etcd is not verified, ' +
        'so anyone on the path to etcd can read and change the configuration',
    );
    // etcd3 builds its TLS credentials itself with grpc-js createSsl(ca, key, cert) and has no
    // way to pass createSsl's verify options. grpc-js lets a client's channel be built by a
    // factory instead (a documented client option, copied per client): every etcd3 service
    // client (KV, Watch, Lease, Maintenance) then runs on credentials that skip both the chain
    // and the host-name check, while still presenting our client certificate.
    const insecure = grpcCredentials.createSsl(ca ?? null, key ?? null, cert ?? null, {
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    });
    grpcOptions['channelFactoryOverride'] = (
      address: string,
      _etcd3Credentials: unknown,
      options: ConstructorParameters<typeof Channel>[2],
    ) => new Channel(address, insecure, options);
  }
  if (Object.keys(grpcOptions).length > 0) out.grpcOptions = grpcOptions;
  return out;
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new GatehouseError('GH_ERR_STORE_UNAVAILABLE', `${what}: cannot read ${file}`, {
      cause: err,
    });
  }
}
