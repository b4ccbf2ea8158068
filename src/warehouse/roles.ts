import { ConfigError, errorMessage, UserError } from '../plumbing/errors.ts';
import type { Warehouse } from './database.ts';
import { scramSha256Verifier } from './scram.ts';

/**
 * Least privilege in the warehouse: two login roles beside the owner of the schema `pos`.
 *
 * - ingest (`pos consume`): reads every table, inserts into them, updates only those the consumer
 *   updates (dimension upserts, a tax's valid dates, the aggregates, its offsets, the dead-letter
 *   outbox); may create temporary tables (a staging COPY may use them). No DDL, no DELETE, no
 *   TRUNCATE, and nothing on the migrations' table but reading it (to see that the schema is up to
 *   date), nor on the retention date (it reads it to refuse what is dated before; `pos db prune`,
 *   the owner's, moves it).
 * - reader (analysts, `pos report`): SELECT on every table.
 *
 * Default privileges give both the same on the tables that later migrations create (the ingest role
 * with UPDATE, until a table is listed below). Everything is revoked first and granted again in one
 * transaction, so running it twice changes nothing and a privilege granted by hand is taken back.
 */

/** Tables the consumer only appends to: no UPDATE for the ingest role (`select … for update` needs UPDATE). */
const APPEND_ONLY_TABLES = [
  'fact_transaction',
  'fact_sales_line',
  'fact_line_tax',
  'dim_date',
  'dim_payment_method',
  'ingest_gap',
  'ingest_event',
];
/** Drizzle's bookkeeping, and the retention date: the ingest and reader roles read them, only the owner writes them. */
const OWNER_WRITES_TABLES = ['schema_migrations', 'retention'];

export interface RoleSpec {
  name: string;
  /** Set (as a SCRAM verifier) when given; an existing role keeps its password otherwise. */
  password: string | undefined;
}

export interface GrantRequest {
  ingest: RoleSpec;
  reader: RoleSpec;
}

export interface RoleOutcome {
  name: string;
  created: boolean;
  passwordSet: boolean;
}

export interface GrantResult {
  owner: string;
  database: string;
  ingest: RoleOutcome;
  reader: RoleOutcome;
}

/** A role name as pos accepts it: a plain lower-case SQL identifier, so it needs no quoting anywhere. */
export function parseRoleName(value: string, flag: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(value)) {
    throw new ConfigError(
      `${flag} "${value}" is not a role name pos accepts.`,
      'Use 1 to 63 characters from a-z, 0-9 and "_", not starting with a digit.',
    );
  }
  return value;
}

/** Creates or updates the two roles and grants them their privileges, as the owner of the schema `pos` (migrated already). */
export async function grantRoles(warehouse: Warehouse, request: GrantRequest): Promise<GrantResult> {
  if (warehouse.config.kind !== 'server') {
    throw new UserError('The embedded database has no roles: pos db grant needs a PostgreSQL server.', {
      hint: 'Set DATABASE_URL (or PG_*) to the server, as the owner of the schema "pos".',
    });
  }
  const { ingest, reader } = request;
  if (ingest.name === reader.name) {
    throw new ConfigError(`--ingest-role and --reader-role are both "${ingest.name}".`, 'Give the two roles different names.');
  }
  return warehouse.transaction(async (tx) => {
    const [context] = await tx.query<{ owner: string; database: string; user: string; member: boolean }>(
      `select n.nspowner::regrole::text as owner, current_database() as database, current_user as user,
              pg_has_role(n.nspowner, 'MEMBER') as member
         from pg_namespace n where n.nspname = 'pos'`,
    );
    if (!context) throw new UserError(`${warehouse.description} has no schema "pos".`, { hint: 'Run `pos db migrate` first.' });
    if (!context.member) {
      throw new UserError(
        `User "${context.user}" may not grant on the schema "pos" in ${warehouse.description}: its owner is "${context.owner}".`,
        { hint: `Run pos db grant as "${context.owner}" (the user that runs pos db migrate).` },
      );
    }
    const outcomes: RoleOutcome[] = [];
    for (const role of [ingest, reader]) outcomes.push(await upsertRole(tx, role, context.owner));

    const [ingestRole, readerRole] = [`"${ingest.name}"`, `"${reader.name}"`];
    const roles = `${ingestRole}, ${readerRole}`;
    const { owner, database } = context;
    const defaults = `alter default privileges for role ${owner} in schema pos`;
    const statements = [
      // Start from nothing, so that the result is exactly what follows, however often it runs.
      `revoke all on all tables in schema pos from ${roles}`,
      `revoke all on all sequences in schema pos from ${roles}`,
      `revoke all on schema pos from ${roles}`,
      `${defaults} revoke all on tables from ${roles}`,
      `${defaults} revoke all on sequences from ${roles}`,
      `revoke all on database ${quoted(database)} from ${roles}`,
      `grant connect on database ${quoted(database)} to ${roles}`,
      `grant usage on schema pos to ${roles}`,
      // reader
      `grant select on all tables in schema pos to ${readerRole}`,
      `${defaults} grant select on tables to ${readerRole}`,
      // ingest
      `grant temporary on database ${quoted(database)} to ${ingestRole}`,
      `grant select, insert, update on all tables in schema pos to ${ingestRole}`,
      `revoke update on ${APPEND_ONLY_TABLES.map((table) => `pos.${table}`).join(', ')} from ${ingestRole}`,
      `revoke insert, update on ${OWNER_WRITES_TABLES.map((table) => `pos.${table}`).join(', ')} from ${ingestRole}`,
      `grant usage on all sequences in schema pos to ${ingestRole}`,
      `${defaults} grant select, insert, update on tables to ${ingestRole}`,
      `${defaults} grant usage on sequences to ${ingestRole}`,
    ];
    for (const statement of statements) await tx.query(statement);
    const [first, second] = outcomes as [RoleOutcome, RoleOutcome];
    return { owner, database, ingest: first, reader: second };
  });
}

/** An identifier for SQL text (the database's name comes from the server, and may need quotes). */
function quoted(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/** Creates the role, or makes an existing one a login role; refuses one that would hold more than it should. */
async function upsertRole(tx: Pick<Warehouse, 'query'>, role: RoleSpec, owner: string): Promise<RoleOutcome> {
  const [existing] = await tx.query<{ superuser: boolean; bypassrls: boolean; owner_member: boolean; login: boolean }>(
    `select rolsuper as superuser, rolbypassrls as bypassrls, pg_has_role(oid, $2::regrole, 'USAGE') as owner_member,
            rolcanlogin as login
       from pg_roles where rolname = $1`,
    [role.name, owner],
  );
  if (existing && (existing.superuser || existing.bypassrls || existing.owner_member)) {
    const why = existing.superuser
      ? 'is a superuser'
      : existing.bypassrls
        ? 'bypasses row security'
        : `has the rights of "${owner}"`;
    throw new UserError(`Role "${role.name}" exists and ${why}, so it cannot be a least-privilege role.`, {
      hint: 'Choose another name (--ingest-role, --reader-role), or change that role first.',
    });
  }
  // An owner without CREATEROLE can still grant to roles an administrator made: nothing to alter then.
  const statements = [
    ...(existing?.login ? [] : [`${existing ? 'alter' : 'create'} role "${role.name}" with login`]),
    // The verifier, never the password, goes into the statement (server logs, pg_stat_activity).
    ...(role.password === undefined ? [] : [`alter role "${role.name}" password '${scramSha256Verifier(role.password)}'`]),
  ];
  try {
    for (const statement of statements) await tx.query(statement);
  } catch (error) {
    if ((error as { code?: unknown }).code !== '42501') throw error;
    throw new UserError(`This user may not ${existing ? 'alter' : 'create'} the role "${role.name}" (${errorMessage(error)}).`, {
      hint: `Have an administrator (a role with CREATEROLE) run \`create role ${role.name} login\` (and psql's \\password ${role.name}), then run pos db grant again.`,
      cause: error,
    });
  }
  return { name: role.name, created: !existing, passwordSet: role.password !== undefined };
}
