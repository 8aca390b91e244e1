import { X509Certificate, createPrivateKey } from 'node:crypto';

/**
 * PEM checks with APISIX's messages (`apisix/ssl.lua` `validate`), which quote the OpenSSL
 * function that failed.
 */

export function checkCert(cert: string): string | undefined {
  try {
    new X509Certificate(cert);
    return undefined;
  } catch {
    return 'failed to parse cert: PEM_read_bio_X509_AUX() failed';
  }
}

/**
 * A stored key may be AES-encrypted at rest (APISIX `data_encryption`); decrypting is the
 * loader's job, so a key that is not PEM is only rejected when `requirePem` (a client write).
 */
export function checkCertKey(cert: string, key: string, requirePem: boolean): string | undefined {
  const certErr = checkCert(cert);
  if (certErr !== undefined) return certErr;
  if (!requirePem && !key.includes('-----BEGIN')) return undefined;
  try {
    createPrivateKey(key);
    return undefined;
  } catch {
    return 'failed to parse key: PEM_read_bio_PrivateKey() failed';
  }
}
