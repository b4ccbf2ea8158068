import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` turns changes of src/warehouse/schema.ts into a new SQL file in migrations/.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/warehouse/schema.ts',
  out: './migrations',
  schemaFilter: ['pos'],
  migrations: { schema: 'pos', table: 'schema_migrations' },
});
