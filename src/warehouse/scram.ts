import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/**
 * A SCRAM-SHA-256 verifier for a password, in the form PostgreSQL stores
 * (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`), as psql's \password and libpq's
 * PQencryptPasswordConn make it. `ALTER ROLE … PASSWORD '<verifier>'` then sets the password
 * without the password itself ever reaching the server, its statement log or pg_stat_activity.
 */
export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(saslPrep(password), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/**
 * The parts of SASLprep (RFC 4013) that change a password's bytes, as node-postgres and libpq
 * apply them when logging in: non-ASCII spaces to spaces, invisible characters removed, NFKC.
 */
function saslPrep(password: string): string {
  return [...password.replace(/[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/g, ' ')]
    .filter((character) => !MAPPED_TO_NOTHING.has(character.codePointAt(0) ?? 0))
    .join('')
    .normalize('NFKC');
}

/** RFC 3454 table B.1 ("commonly mapped to nothing"): soft hyphen, joiners, variation selectors, … */
const MAPPED_TO_NOTHING = new Set([
  0xad,
  0x34f,
  0x1806,
  0x180b,
  0x180c,
  0x180d,
  0x200c,
  0x200d,
  0x2060,
  ...Array.from({ length: 16 }, (_, i) => 0xfe00 + i),
  0xfeff,
]);
