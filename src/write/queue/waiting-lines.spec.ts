import type { RecordedEvent } from '../../event-store/event-store.port';
import { logWriter, mulberry32 } from '../../shared/given-when-then';
import { preQueueOrder } from '../../shared/pre-queue-order';
import { WaitingLines } from './waiting-lines';

const at = logWriter();
const joined = (concertId: string, userId: string) =>
  at('QueueJoined', `QueueEntry-${concertId}.${userId}`, { entryId: `e-${userId}`, concertId, userId });
const admitted = (concertId: string, entries: RecordedEvent[], activeUntil: number) =>
  at('QueueAdmitted', `QueueAdmission-${concertId}`, {
    concertId,
    entries: entries.map((e) => ({
      entryId: (e.data as { entryId: string }).entryId,
      userId: 'x',
      joinedPosition: e.position,
    })),
    activeUntil: new Date(activeUntil).toISOString(),
  });
const completed = (concertId: string, userId: string) =>
  at('QueueCompleted', `QueueEntry-${concertId}.${userId}`, { entryId: `e-${userId}`, reservationId: 'r' });

describe('the admission leader index of waiting lines', () => {
  it('keeps each concert line in join order and drops what an admission served', () => {
    const lines = new WaitingLines(0);
    const a = joined('c1', 'a');
    const z = joined('c2', 'z');
    const [b, c] = [joined('c1', 'b'), joined('c1', 'c')];
    lines.apply([a, z, b, c]);
    expect(lines.candidates('c1', 2).map((e) => e.entryId)).toEqual(['e-a', 'e-b']);
    expect(lines.concertsWaiting().sort()).toEqual(['c1', 'c2']);
    lines.apply([admitted('c1', [a, b], 10_000)]);
    expect(lines.candidates('c1', 5).map((e) => [e.entryId, e.joinedPosition])).toEqual([['e-c', c.position]]);
  });

  it('ignores events it has already applied, so a page read twice changes nothing', () => {
    const lines = new WaitingLines(0);
    const events = [joined('c3', 'a'), joined('c3', 'b')];
    lines.apply(events);
    lines.apply(events);
    expect(lines.candidates('c3', 5)).toHaveLength(2);
  });

  it('remembers completions until the entries no longer hold a slot', () => {
    const lines = new WaitingLines(0);
    const a = joined('c4', 'a');
    lines.apply([a, admitted('c4', [a], 10_000), completed('c4', 'a')]);
    expect([...lines.completed('c4')]).toEqual(['e-a']);
    lines.keepCompleted('c4', new Set());
    expect([...lines.completed('c4')]).toEqual([]);
  });

  it('puts its low-water mark before the first waiting entry and the oldest admission still running', () => {
    const lines = new WaitingLines(0);
    const a = joined('c5', 'a');
    const b = joined('c5', 'b');
    const admission = admitted('c5', [a], 10_000);
    lines.apply([a, b, admission]);
    expect(lines.lowWater(5_000)).toBe(b.position - 1);
    lines.apply([admitted('c5', [b], 20_000)]);
    // The first admission ran out at 10 s; the second still holds its slot.
    expect(lines.lowWater(15_000)).toBe(admission.position);
    expect(lines.lowWater(25_000)).toBe(lines.cursor);
  });

  it('at the opening, puts the pre-queue in the order of its seed, each with the rank of the join it stands in for', () => {
    const lines = new WaitingLines(0);
    const pre = ['a', 'b', 'c', 'd', 'e', 'f'].map((u) => joined('c6', u));
    const opened = at('QueueOpened', 'QueueAdmission-c6', { concertId: 'c6', seed: 99, openedAt: '' });
    const late = joined('c6', 'late');
    lines.apply([...pre, opened, late]);
    const order = preQueueOrder(pre.length, 99);
    const expected = [...order].map((joinIndex, rank) => [`e-${'abcdef'[joinIndex]}`, pre[rank].position]);
    const next = lines.candidates('c6', 10);
    expect(next.map((e) => [e.entryId, e.rank])).toEqual([...expected, ['e-late', undefined]]);
    // A new leader rebuilding from its low-water mark (where this one started) reads the whole pre-queue again,
    // and shuffles it alike.
    expect(lines.lowWater(0)).toBe(0);
    lines.apply([admitted('c6', [], 10_000)]);
    const rebuilt = new WaitingLines(lines.lowWater(0));
    rebuilt.apply([...pre, opened, late]);
    expect(rebuilt.candidates('c6', 10)).toEqual(next);
  });

  it('puts its low-water mark only at positions the log gave out, from which a new leader rebuilds the same lines', () => {
    const random = mulberry32(7);
    const start = joined('c8', 'before');
    const lines = new WaitingLines(start.position);
    const applied = new Set([start.position]);
    const waiting: Record<string, RecordedEvent[]> = { c8: [], c9: [] };
    const log: RecordedEvent[] = [];
    for (let step = 0; step < 300; step += 1) {
      const concertId = random() < 0.5 ? 'c8' : 'c9';
      // Positions that hold no event, as KurrentDB's log offsets do: `position - 1` lands in one of them.
      at('Gap', 'Gap-1', {});
      let event: RecordedEvent;
      if (random() < 0.6 || waiting[concertId].length === 0) {
        event = joined(concertId, `u${step}`);
        waiting[concertId].push(event);
      } else {
        event = admitted(concertId, waiting[concertId].splice(0, 1 + Math.floor(random() * 3)), 1_000);
      }
      log.push(event);
      lines.apply([event]);
      applied.add(event.position);
      const low = lines.lowWater(5_000);
      expect(applied.has(low)).toBe(true);
      const rebuilt = new WaitingLines(low);
      rebuilt.apply(log.filter((e) => e.position > low));
      for (const c of ['c8', 'c9']) expect(rebuilt.candidates(c, 1_000)).toEqual(lines.candidates(c, 1_000));
    }
  });
});
