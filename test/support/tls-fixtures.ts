import { readFileSync } from 'node:fs';

/** test/fixtures/tls/, from this file's compiled place (dist/test/support/). */
const DIR = new URL('../../../test/fixtures/tls/', import.meta.url);

/** One PEM file of test/fixtures/tls/ (see its README), e.g. `pem('www.crt')`. */
export function pem(file: string): string {
  return readFileSync(new URL(file, DIR), 'utf8');
}

/** A server certificate's chain and key, as an SSL object's `cert` and `key`. */
export function pair(name: 'www' | 'wildcard' | 'other' | 'rsa-www'): {
  cert: string;
  key: string;
} {
  return { cert: pem(`${name}.crt`), key: pem(`${name}.key`) };
}
