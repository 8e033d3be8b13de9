import type { SqlClient } from '../sql-client';
import type { Generations } from './coordination.port';

/** Read-model generations in the event store's database, table read_model_generations; switching is one UPDATE. */
export class SqlGenerations implements Generations {
  constructor(private readonly sql: SqlClient) {}

  async live(targets: readonly string[]): Promise<Map<string, number>> {
    const { rows } = await this.sql.query<{ target: string; live: number }>(
      'SELECT target, live FROM read_model_generations WHERE target = ANY($1)',
      [targets],
    );
    return new Map(targets.map((t) => [t, rows.find((r) => r.target === t)?.live ?? 0]));
  }

  async rebuilding(target: string): Promise<number | undefined> {
    const { rows } = await this.sql.query<{ rebuilding: number | null }>(
      'SELECT rebuilding FROM read_model_generations WHERE target = $1',
      [target],
    );
    return rows[0]?.rebuilding ?? undefined;
  }

  async beginRebuild(target: string): Promise<{ generation: number; live: number; resumed: boolean }> {
    return this.sql.transaction(async (tx) => {
      await tx.query('INSERT INTO read_model_generations (target) VALUES ($1) ON CONFLICT (target) DO NOTHING', [
        target,
      ]);
      const { rows } = await tx.query<{ live: number; rebuilding: number | null }>(
        'SELECT live, rebuilding FROM read_model_generations WHERE target = $1 FOR UPDATE',
        [target],
      );
      const { live, rebuilding } = rows[0];
      if (rebuilding !== null) return { generation: rebuilding, live, resumed: true };
      await tx.query('UPDATE read_model_generations SET rebuilding = $2 WHERE target = $1', [target, live + 1]);
      return { generation: live + 1, live, resumed: false };
    });
  }

  async switchTo(target: string, generation: number): Promise<number> {
    const { rows } = await this.sql.query<{ previous: number }>(
      `UPDATE read_model_generations g SET live = $2, rebuilding = NULL
       FROM (SELECT live AS previous FROM read_model_generations WHERE target = $1 FOR UPDATE) old
       WHERE g.target = $1 RETURNING old.previous`,
      [target, generation],
    );
    return rows[0].previous;
  }
}
