import { pgSchema } from 'drizzle-orm/pg-core';

/** Every table of the project lives in the PostgreSQL schema `pos`. */
export const pos = pgSchema('pos');
