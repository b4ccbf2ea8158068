import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { test } from 'node:test';
import { scramSha256Verifier } from '../../../src/warehouse/scram.ts';

// RFC 7677's example exchange: user "user", password "pencil"; a verifier is right if the client's
// proof and the server's signature of that exchange check out against it.
const SALT = 'W22ZaJ0SNY7soEsUEjb6gQ==';
const NONCE = 'rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
const AUTH_MESSAGE = `n=user,r=rOprNGfwEbeRWgbNEkqO,r=${NONCE},s=${SALT},i=4096,c=biws,r=${NONCE}`;
const CLIENT_PROOF = 'dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
const SERVER_SIGNATURE = '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

test("a SCRAM-SHA-256 verifier in PostgreSQL's form that checks RFC 7677's example exchange", () => {
  const verifier = scramSha256Verifier('pencil', Buffer.from(SALT, 'base64'), 4096);
  const match = /^SCRAM-SHA-256\$4096:([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  assert.ok(match, verifier);
  const [, salt, storedKey, serverKey] = match as unknown as [string, string, string, string];
  assert.equal(salt, SALT);
  assert.equal(createHmac('sha256', Buffer.from(serverKey, 'base64')).update(AUTH_MESSAGE).digest('base64'), SERVER_SIGNATURE);
  const clientSignature = createHmac('sha256', Buffer.from(storedKey, 'base64')).update(AUTH_MESSAGE).digest();
  const clientKey = Buffer.from(CLIENT_PROOF, 'base64').map((byte, i) => byte ^ (clientSignature[i] ?? 0));
  assert.equal(createHash('sha256').update(clientKey).digest('base64'), storedKey);
});

test('each verifier has a fresh salt, and never contains the password', () => {
  const [a, b] = [scramSha256Verifier('s3cret-pencil'), scramSha256Verifier('s3cret-pencil')];
  assert.notEqual(a, b);
  assert.ok(!a.includes('s3cret'));
});

test('passwords are prepared as SASLprep does: a non-ASCII space is a space, a soft hyphen nothing', () => {
  const salt = Buffer.alloc(16, 7);
  assert.equal(scramSha256Verifier('pen\u00a0cil\u00ad', salt), scramSha256Verifier('pen cil', salt));
});
