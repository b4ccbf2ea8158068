import type { SqlRunner } from '../database.ts';

/** A SQL statement and its parameters ($1, $2, …). */
export interface Statement {
  text: string;
  values: unknown[];
}

export function statement(text: string, values: unknown[]): Statement {
  return { text, values };
}

/**
 * Statements that return nothing, run as one: each but the last as a data-modifying WITH query
 * of the last, their parameters renumbered. One round trip instead of one each, on the write's
 * path where every round trip waits for the event loop. They must touch different tables: a
 * WITH query does not see what the others change. They run in the order PostgreSQL gives them,
 * the same for everyone who runs the same statements, so their row locks are taken in one order.
 */
export async function runTogether(db: SqlRunner, statements: readonly (Statement | undefined)[]): Promise<void> {
  const present = statements.filter((each): each is Statement => each !== undefined);
  const last = present.at(-1);
  if (!last) return;
  let offset = 0;
  const renumbered = present.map(({ text, values }) => {
    const shifted = text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
    offset += values.length;
    return shifted;
  });
  const withQueries = renumbered.slice(0, -1).map((text, i) => `part_${i} as (${text})`);
  const text = withQueries.length > 0 ? `with ${withQueries.join(',\n')}\n${renumbered.at(-1)}` : last.text;
  await db.query(
    text,
    present.flatMap(({ values }) => values),
  );
}
