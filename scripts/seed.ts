/**
 * npm run seed — creates a demo concert through the admin API of a running
 * service and prints its ids. The admin key comes from ADMIN_KEY or, for the
 * embedded profile, from DATA_DIR/secrets.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

async function main(): Promise<void> {
  const url = process.env.API_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
  const secrets = join(process.env.DATA_DIR ?? './data', 'secrets.json');
  const adminKey =
    process.env.ADMIN_KEY ??
    (existsSync(secrets) ? (JSON.parse(readFileSync(secrets, 'utf8')) as { adminKey: string }).adminKey : undefined);
  if (!adminKey) throw new Error(`set ADMIN_KEY (no ${secrets} found)`);
  const seats = Number(process.env.SEED_SEATS ?? 50);
  const response = await fetch(`${url}/v1/admin/concerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-admin-key': adminKey },
    body: JSON.stringify({
      title: 'Demo Night',
      schedules: [0, 1].map((day) => ({
        startsAt: new Date(Date.UTC(2027, 5, 1 + day, 10)).toISOString(),
        seats: Array.from({ length: seats }, (_, i) => ({ seatNo: i + 1, price: 50_000 + (i < 10 ? 30_000 : 0) })),
      })),
    }),
  });
  const body = (await response.json()) as { concertId: string; schedules: { scheduleId: string; seatIds: string[] }[] };
  if (response.status !== 201) throw new Error(`seed failed: ${response.status} ${JSON.stringify(body)}`);
  console.log(`concertId  ${body.concertId}`);
  for (const s of body.schedules)
    console.log(`scheduleId ${s.scheduleId}  seats ${s.seatIds[0]} .. ${s.seatIds[s.seatIds.length - 1]}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
