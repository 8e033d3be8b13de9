import type { Checkpoints } from '../../shared/checkpoints';
import type { SqlExecutor } from '../sql-client';

/** Checkpoints in the event store's own database (PostgreSQL or PGlite), table relay_checkpoints. */
export class SqlCheckpoints implements Checkpoints {
  constructor(private readonly sql: SqlExecutor) {}

  async load(name: string): Promise<number> {
    const { rows } = await this.sql.query<{ position: string }>(
      'SELECT position::text AS position FROM relay_checkpoints WHERE name = $1',
      [name],
    );
    return rows.length ? Number(rows[0].position) : 0;
  }

  async save(name: string, position: number): Promise<void> {
    await this.sql.query(
      `INSERT INTO relay_checkpoints (name, position) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET position = GREATEST(relay_checkpoints.position, EXCLUDED.position)`,
      [name, position],
    );
  }
}
