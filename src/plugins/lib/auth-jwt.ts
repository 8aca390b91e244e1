/**
 * JWS (compact form) decoding, signature verification and `exp`/`nbf` checks for jwt-auth, as
 * APISIX 3.17+ does them (`apisix/plugins/jwt-auth/parser.lua`). Verification is synchronous
 * (node:crypto), and each consumer conf's key is imported once.
 */
import {
  constants,
  createHmac,
  createPublicKey,
  verify,
  type KeyObject,
  type VerifyKeyObjectInput,
} from 'node:crypto';
import { decodeBase64, sameSecret } from './auth-common.js';

export const JWT_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
] as const;

export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** The consumer-side jwt-auth conf (consumer schema defaults applied). */
export interface JwtConsumerConf {
  readonly key: string;
  readonly secret?: string;
  readonly public_key?: string;
  readonly algorithm: JwtAlgorithm;
  readonly base64_secret: boolean;
  readonly lifetime_grace_period: number;
}

export type JwtObject = Readonly<Record<string, unknown>>;

/** A decoded, not yet verified JWS. */
export interface ParsedJwt {
  readonly header: JwtObject;
  readonly payload: JwtObject;
  /** `<header>.<payload>` as received: what the signature covers. */
  readonly signingInput: string;
  readonly signature: string;
}

function decodeSegment(segment: string): JwtObject | undefined {
  const bytes = decodeBase64(segment, 'base64url');
  if (bytes === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(bytes.toString());
    return typeof value === 'object' && value !== null ? (value as JwtObject) : undefined;
  } catch {
    return undefined;
  }
}

/** `header.payload.signature`, both JSON parts decoded; undefined when malformed. */
export function parseJwt(token: string): ParsedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [rawHeader = '', rawPayload = '', signature = ''] = parts;
  const header = decodeSegment(rawHeader);
  const payload = header && decodeSegment(rawPayload);
  if (header === undefined || payload === undefined) return undefined;
  return { header, payload, signingInput: `${rawHeader}.${rawPayload}`, signature };
}

type Verify = (signingInput: string, signature: Buffer) => boolean;

const HASH: Readonly<Record<string, string>> = {
  '256': 'sha256',
  '384': 'sha384',
  '512': 'sha512',
};
const EC_CURVE: Readonly<Record<string, string>> = {
  ES256: 'prime256v1',
  ES384: 'secp384r1',
  ES512: 'secp521r1',
};

/** The key types each algorithm family accepts (a key of another type never verifies). */
function keyFits(alg: JwtAlgorithm, key: KeyObject): boolean {
  const type = key.asymmetricKeyType;
  if (alg === 'EdDSA') return type === 'ed25519' || type === 'ed448';
  if (alg.startsWith('ES'))
    return type === 'ec' && key.asymmetricKeyDetails?.namedCurve === EC_CURVE[alg];
  if (alg.startsWith('PS')) return type === 'rsa' || type === 'rsa-pss';
  return type === 'rsa';
}

function hmacVerifier(conf: JwtConsumerConf, hash: string): Verify | undefined {
  if (conf.secret === undefined) return undefined;
  const secret = conf.base64_secret ? decodeBase64(conf.secret) : Buffer.from(conf.secret);
  if (secret === undefined) return undefined;
  return (input, signature) =>
    sameSecret(createHmac(hash, secret).update(input).digest(), signature);
}

function publicKeyVerifier(conf: JwtConsumerConf, hash: string | null): Verify | undefined {
  if (conf.public_key === undefined) return undefined;
  let key: KeyObject;
  try {
    key = createPublicKey(conf.public_key);
  } catch {
    return undefined;
  }
  const alg = conf.algorithm;
  if (!keyFits(alg, key)) return undefined;
  const input: VerifyKeyObjectInput | KeyObject = alg.startsWith('ES')
    ? { key, dsaEncoding: 'ieee-p1363' }
    : alg.startsWith('PS')
      ? {
          key,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_AUTO,
        }
      : key;
  return (data, signature) => {
    try {
      return verify(hash, Buffer.from(data), input, signature);
    } catch {
      // A signature of the wrong size for the key, for one.
      return false;
    }
  };
}

function makeVerifier(conf: JwtConsumerConf): Verify | undefined {
  const alg = conf.algorithm;
  if (alg === 'EdDSA') return publicKeyVerifier(conf, null);
  const hash = HASH[alg.slice(2)] ?? 'sha256';
  return alg.startsWith('HS') ? hmacVerifier(conf, hash) : publicKeyVerifier(conf, hash);
}

/** null: the conf's key is unusable (bad PEM, wrong key type, secret not base64). */
const verifiers = new WeakMap<object, Verify | null>();

/**
 * Whether `jwt` is signed with the consumer's key. Keys are imported on the first token of each
 * consumer conf version (the conf object), not per request.
 */
export function signatureValid(conf: JwtConsumerConf, jwt: ParsedJwt): boolean {
  let verifier = verifiers.get(conf);
  if (verifier === undefined) {
    verifier = makeVerifier(conf) ?? null;
    verifiers.set(conf, verifier);
  }
  const signature = decodeBase64(jwt.signature, 'base64url');
  return verifier !== null && signature !== undefined && verifier(jwt.signingInput, signature);
}

export type JwtClaim = 'exp' | 'nbf';

/** Without `claims_to_verify`, exp and nbf are checked when present (3.17+). */
const DEFAULT_CLAIMS: readonly JwtClaim[] = ['nbf', 'exp'];

/**
 * Why the registered claims fail, or undefined. Listed claims must be present; `exp` must be
 * later than now − leeway, `nbf` earlier than now + leeway (seconds, both strict).
 */
export function claimsError(
  payload: JwtObject,
  listed: readonly JwtClaim[] | undefined,
  leeway: number,
  now = Math.floor(Date.now() / 1000),
): string | undefined {
  const required = listed !== undefined && listed.length > 0;
  for (const name of required ? listed : DEFAULT_CLAIMS) {
    const value = payload[name];
    if (value === undefined) {
      if (required) return `claim ${name} is missing`;
      continue;
    }
    if (typeof value !== 'number') return `claim ${name} is not a number`;
    if (name === 'exp' && !(value > now - leeway)) return `'exp' claim expired at ${value}`;
    if (name === 'nbf' && !(value < now + leeway)) return `'nbf' claim not valid until ${value}`;
  }
  return undefined;
}
