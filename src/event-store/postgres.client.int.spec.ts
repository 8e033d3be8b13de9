import { describeWithService } from '../../test/support/services';
import { freshDatabase } from '../../test/support/fresh-database';
import { openPostgresClient } from './postgres.client';

describeWithService('DATABASE_URL', 'PostgreSQL client', (url) => {
  it('outlives the server ending its idle and listening connections, and keeps answering', async () => {
    const database = await freshDatabase(url);
    const sql = await openPostgresClient(database.url, 3);
    const admin = await openPostgresClient(database.url, 1);
    try {
      const stopListening = await sql.listen('appended', () => undefined);
      await Promise.all([sql.query('SELECT pg_sleep(0.05)'), sql.query('SELECT pg_sleep(0.05)')]);
      const { rows } = await admin.query<{ ended: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS ended FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      expect(rows[0].ended).toBeGreaterThanOrEqual(2);
      // The 'error' events arrive on the next turns; an unhandled one would fail this test.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await sql.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await stopListening();
    } finally {
      await sql.close();
      await admin.close();
      await database.drop();
    }
  });
});
