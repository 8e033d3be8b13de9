/**
 * A realistic event log for bench:replay, written by the real deciders: every
 * event is what `decide` returned for a command at the simulated time, on the
 * stream and revision the service would append it to. Users sign up and charge
 * their wallet, join a concert's queue, are admitted in FIFO batches, hold one
 * to four seats (sometimes losing a race and being rejected), then pay, let the
 * hold expire (the sweeper writes the expiry and releases the seats), cancel,
 * or fail to pay from an empty wallet. New concerts go on sale as seats sell.
 *
 * Deterministic for a seed: ids come from a seeded PRNG, time is simulated.
 */
import type { EventMetadata, RecordedEvent } from '../src/event-store/event-store.port';
import { Command, CommandMetadata, Decider, Event } from '../src/shared/decider';
import { DomainError } from '../src/shared/domain-error';
import { mulberry32 } from '../src/shared/given-when-then';
import { concertDecider, concertStream } from '../src/write/catalog/concert.decider';
import { AdmissionState, AdmittedEntry, admissionDecider, admissionStream } from '../src/write/queue/admission.decider';
import { queueEntryDecider, queueEntryStream } from '../src/write/queue/queue-entry.decider';
import { reservationDecider, reservationStream } from '../src/write/reservations/reservation.decider';
import { ReleaseReason, seatDecider, seatStream } from '../src/write/reservations/seat.decider';
import { usernameStream, userDecider } from '../src/write/users/user.decider';
import { walletDecider, walletStream } from '../src/write/wallet/wallet.decider';

export type LogSettings = {
  readonly seed: number;
  /** Schedules per concert and seats per schedule. */
  readonly schedules: number;
  readonly seatsPerSchedule: number;
  /** Concerts on sale at once; a sold-out one is replaced by a new one. */
  readonly onSale: number;
  readonly holdTtlSeconds: number;
  readonly activeTtlSeconds: number;
  readonly capacity: number;
  /** Simulated start time (ms). */
  readonly startAt: number;
};

export const DEFAULT_LOG_SETTINGS: LogSettings = {
  seed: 1,
  schedules: 4,
  seatsPerSchedule: 1_000,
  onSale: 8,
  holdTtlSeconds: 300,
  activeTtlSeconds: 600,
  capacity: 100,
  startAt: Date.parse('2026-01-05T09:00:00.000Z'),
};

const SECOND = 1_000;

type Stream = { state: unknown; revision: number };
type Action = { at: number; seq: number; run: () => void };
type User = {
  userId: string;
  balance: number;
  busy: boolean;
  entries: Map<string, { entryId: string; done: boolean; activeUntil: number }>;
};
type Session = { user: User; concert: Concert; entryId: string; attempts: number };
type Schedule = { scheduleId: string; free: number[]; prices: Map<number, number>; held: Map<number, string> };
type Concert = {
  concertId: string;
  schedules: Schedule[];
  /** Waiting entries in join order. */
  waiting: { entryId: string; userId: string; joinedPosition: number; session: Session }[];
  /** Admitted entries in admission order (so by activeUntil) from `admittedFrom` on, and those of them that paid. */
  admitted: { entryId: string; until: number }[];
  admittedFrom: number;
  completed: Set<string>;
  admitting: boolean;
  freeSeats: number;
  totalSeats: number;
};

/** Counts of what the simulation did, for the bench's summary and the spec's checks. */
export type LogStats = {
  users: number;
  concerts: number;
  sessions: number;
  holds: number;
  rejected: number;
  paid: number;
  expired: number;
  cancelled: number;
  paymentsFailed: number;
};

/**
 * The simulation. `next(n)` runs it until n more events are recorded and
 * returns them, so a caller can import page by page without the whole log in
 * memory. Positions are dense from 1.
 */
export class EventLogGenerator {
  readonly settings: LogSettings;
  readonly stats: LogStats = {
    users: 0,
    concerts: 0,
    sessions: 0,
    holds: 0,
    rejected: 0,
    paid: 0,
    expired: 0,
    cancelled: 0,
    paymentsFailed: 0,
  };
  /** Reservation id → what the simulation knows happened to it (for checks). */
  readonly reservations = new Map<
    string,
    { outcome: 'held' | 'rejected' | 'paid' | 'expired' | 'cancelled'; seatIds: string[]; userId: string }
  >();
  readonly users: User[] = [];
  private readonly random: () => number;
  private readonly streams = new Map<string, Stream>();
  private readonly heap: Action[] = [];
  private seq = 0;
  private now: number;
  private position = 0;
  private buffer: RecordedEvent[] = [];
  private readonly concerts: Concert[] = [];

  constructor(settings: Partial<LogSettings> = {}) {
    this.settings = { ...DEFAULT_LOG_SETTINGS, ...settings };
    this.random = mulberry32(this.settings.seed);
    this.now = this.settings.startAt;
    for (let i = 0; i < this.settings.onSale; i += 1) this.createConcert();
    this.at(0, () => this.arrive());
  }

  /** The next `count` events of the log. */
  next(count: number): RecordedEvent[] {
    while (this.buffer.length < count) {
      const action = this.pop();
      if (!action) break;
      this.now = Math.max(this.now, action.at);
      // One correlation id per step of the simulation, as one request or process step has.
      this.correlation = undefined;
      action.run();
    }
    const page = this.buffer.slice(0, count);
    this.buffer = this.buffer.slice(count);
    return page;
  }

  /** What the last step wrote beyond the last page: after it, the log ends where the simulation is. */
  rest(): RecordedEvent[] {
    const rest = this.buffer;
    this.buffer = [];
    return rest;
  }

  get head(): number {
    return this.position - this.buffer.length;
  }

  // ---- the steps of the service, each through its decider ----

  registerUser(): User {
    const userId = this.uuid();
    const username = `fan${this.stats.users + 1}`;
    const passwordHash = `scrypt$16384$8$1$${this.base64(16)}$${this.base64(32)}`;
    this.handle(usernameStream(username), userDecider, {
      type: 'RegisterUser',
      data: { userId, username, passwordHash },
    });
    const user: User = { userId, balance: 0, busy: false, entries: new Map() };
    this.users.push(user);
    this.stats.users += 1;
    this.charge(user, 50_000 * (2 + Math.floor(this.random() * 8)));
    return user;
  }

  charge(user: User, amount: number): void {
    const [event] =
      this.handle(walletStream(user.userId), walletDecider, {
        type: 'ChargeWallet',
        data: { userId: user.userId, chargeId: this.uuid(), amount },
      }) ?? [];
    if (event) user.balance = (event.data as { balance: number }).balance;
  }

  createConcert(): Concert {
    const { schedules: count, seatsPerSchedule } = this.settings;
    const concertId = this.uuid();
    const schedules = Array.from({ length: count }, (_, s) => ({
      scheduleId: this.uuid(),
      startsAt: new Date(this.now + (30 + 7 * s) * 86_400_000).toISOString(),
      seats: Array.from({ length: seatsPerSchedule }, (_, i) => ({
        seatNo: i + 1,
        // Three price tiers, front rows dearest.
        price: i < seatsPerSchedule / 10 ? 150_000 : i < seatsPerSchedule / 2 ? 99_000 : 55_000,
      })),
    }));
    this.handle(concertStream(concertId), concertDecider, {
      type: 'CreateConcert',
      data: { concertId, title: `Concert ${this.stats.concerts + 1}`, schedules },
    });
    const concert: Concert = {
      concertId,
      schedules: schedules.map((s) => ({
        scheduleId: s.scheduleId,
        free: s.seats.map((seat) => seat.seatNo),
        prices: new Map(s.seats.map((seat) => [seat.seatNo, seat.price])),
        held: new Map(),
      })),
      waiting: [],
      admitted: [],
      admittedFrom: 0,
      completed: new Set(),
      admitting: false,
      freeSeats: count * seatsPerSchedule,
      totalSeats: count * seatsPerSchedule,
    };
    this.concerts.push(concert);
    this.stats.concerts += 1;
    return concert;
  }

  /** A fan turns up: signs up (or comes back), joins a concert's queue. */
  private arrive(): void {
    const onSale = this.concerts.filter((c) => c.freeSeats > c.totalSeats * 0.05);
    while (onSale.length < this.settings.onSale) onSale.push(this.createConcert());
    // Fans come faster than they are served only up to a point: a queue of 300 puts the rest off.
    const concert = onSale[Math.floor(this.random() * onSale.length)];
    if (concert.waiting.length < 3 * this.settings.capacity) {
      const user = this.idleUser(concert);
      if (user) this.join(user, concert);
    }
    this.at(50 + this.random() * 300, () => this.arrive());
  }

  private idleUser(concert: Concert): User | undefined {
    if (this.users.length < 2_000 || this.random() < 0.3) return this.registerUser();
    for (let tries = 0; tries < 5; tries += 1) {
      const user = this.users[Math.floor(this.random() * this.users.length)];
      const entry = user.entries.get(concert.concertId);
      // One live queue token per user per concert: only a finished or timed-out entry joins again.
      if (!user.busy && (!entry || entry.done || (entry.activeUntil && entry.activeUntil <= this.now))) return user;
    }
    return undefined;
  }

  join(user: User, concert: Concert): void {
    const previous = user.entries.get(concert.concertId);
    const entryId = this.uuid();
    const [joined] =
      this.handle(queueEntryStream(concert.concertId, user.userId), queueEntryDecider, {
        type: 'JoinQueue',
        data: {
          entryId,
          concertId: concert.concertId,
          userId: user.userId,
          expiredEntryIds: previous && !previous.done ? [previous.entryId] : [],
        },
      }) ?? [];
    if (!joined) return;
    user.busy = true;
    user.entries.set(concert.concertId, { entryId, done: false, activeUntil: 0 });
    const session: Session = { user, concert, entryId, attempts: 0 };
    this.stats.sessions += 1;
    concert.waiting.push({ entryId, userId: user.userId, joinedPosition: this.position, session });
    if (!concert.admitting) {
      concert.admitting = true;
      this.at(200 + this.random() * 800, () => this.admit(concert));
    }
  }

  /** The admission leader's tick for one concert. */
  private admit(concert: Concert): void {
    // Entries whose time ran out no longer count, whether they paid or not.
    while (concert.admittedFrom < concert.admitted.length && concert.admitted[concert.admittedFrom].until <= this.now) {
      concert.completed.delete(concert.admitted[concert.admittedFrom].entryId);
      concert.admittedFrom += 1;
    }
    if (concert.admittedFrom > 1_000) {
      concert.admitted = concert.admitted.slice(concert.admittedFrom);
      concert.admittedFrom = 0;
    }
    // When every slot is taken the decider admits nobody (it counts the same entries): no need to ask it.
    const live = concert.admitted.length - concert.admittedFrom - concert.completed.size;
    if (live < this.settings.capacity) {
      const [admitted] = this.handle(admissionStream(concert.concertId), admissionDecider, {
        type: 'AdmitNext',
        data: {
          concertId: concert.concertId,
          candidates: concert.waiting
            .slice(0, this.settings.capacity)
            .map(({ entryId, userId, joinedPosition }) => ({ entryId, userId, joinedPosition })),
          completedEntryIds: concert.completed,
          capacity: this.settings.capacity,
          activeTtlSeconds: this.settings.activeTtlSeconds,
        },
      })!;
      if (admitted) {
        const { entries, activeUntil } = admitted.data as { entries: AdmittedEntry[]; activeUntil: string };
        const until = Date.parse(activeUntil);
        for (const { session } of concert.waiting.splice(0, entries.length)) {
          concert.admitted.push({ entryId: session.entryId, until });
          session.user.entries.get(concert.concertId)!.activeUntil = until;
          this.at(2 * SECOND + this.random() * 20 * SECOND, () => this.hold(session));
        }
      }
      this.pruneLedger(admissionStream(concert.concertId), concert.completed);
    }
    if (concert.waiting.length > 0) this.at(SECOND, () => this.admit(concert));
    else concert.admitting = false;
  }

  /** POST /v1/reservations: the hold process over the reservation and each seat's stream. */
  private hold(session: Session): void {
    const { user, concert } = session;
    session.attempts += 1;
    const schedule = concert.schedules[Math.floor(this.random() * concert.schedules.length)];
    const wanted = 1 + Math.floor(this.random() * this.random() * 4);
    if (schedule.free.length < wanted) return this.leave(session);
    const seatNos: number[] = [];
    for (let i = 0; i < wanted; i += 1) {
      const index = Math.floor(this.random() * schedule.free.length);
      seatNos.push(schedule.free[index]);
      schedule.free[index] = schedule.free[schedule.free.length - 1];
      schedule.free.pop();
    }
    // Now and then a fan clicks a seat someone else holds right now: the race is lost.
    const contested = this.random() < 0.06 && schedule.held.size > 0 ? [...schedule.held.keys()][0] : undefined;
    if (contested !== undefined) seatNos.push(contested);
    const reservationId = this.uuid();
    const seatIds = seatNos.map((no) => `${schedule.scheduleId}.${no}`);
    const amount = seatNos.reduce((sum, no) => sum + schedule.prices.get(no)!, 0);
    const expiresAt = new Date(this.now + this.settings.holdTtlSeconds * SECOND).toISOString();
    const request = {
      reservationId,
      userId: user.userId,
      concertId: concert.concertId,
      scheduleId: schedule.scheduleId,
      queueEntryId: session.entryId,
      seatIds,
      amount,
      expiresAt,
    };
    this.handle(reservationStream(reservationId), reservationDecider, { type: 'RequestHold', data: request });
    const taken: string[] = [];
    const unavailable: string[] = [];
    for (const seatId of seatIds) {
      const held = this.handle(seatStream(seatId), seatDecider, {
        type: 'HoldSeat',
        data: { seatId, reservationId, userId: user.userId, expiresAt },
      });
      (held ? taken : unavailable).push(seatId);
    }
    this.stats.holds += 1;
    const seats = seatNos.filter((no) => no !== contested);
    if (unavailable.length > 0) {
      this.releaseSeats(seatIds, reservationId, 'hold-failed');
      this.handle(reservationStream(reservationId), reservationDecider, {
        type: 'RejectHold',
        data: { reservationId, unavailableSeatIds: unavailable },
      });
      schedule.free.push(...seats);
      this.stats.rejected += 1;
      this.reservations.set(reservationId, { outcome: 'rejected', seatIds, userId: user.userId });
      if (session.attempts < 3) this.at(2 * SECOND + this.random() * 5 * SECOND, () => this.hold(session));
      else this.leave(session);
      return;
    }
    this.handle(reservationStream(reservationId), reservationDecider, { type: 'ConfirmHold', data: { reservationId } });
    for (const no of seats) schedule.held.set(no, reservationId);
    concert.freeSeats -= seats.length;
    this.reservations.set(reservationId, { outcome: 'held', seatIds, userId: user.userId });
    const roll = this.random();
    const reservation = { session, schedule, reservationId, seatNos: seats, seatIds, amount, expiresAt };
    if (roll < 0.62) this.at(10 * SECOND + this.random() * 120 * SECOND, () => this.pay(reservation));
    else if (roll < 0.72) this.at(5 * SECOND + this.random() * 60 * SECOND, () => this.cancel(reservation));
    else {
      // Walks away: the sweeper expires the hold a little after it runs out.
      this.at(this.settings.holdTtlSeconds * SECOND + this.random() * 5 * SECOND, () => this.expire(reservation));
      this.leave(session);
    }
  }

  private pay(r: Reservation): void {
    const { session, reservationId, amount } = r;
    const { user } = session;
    this.correlation = reservationId;
    // Most top up first when the wallet is short; some try anyway and are refused.
    if (user.balance < amount && this.random() < 0.75) this.charge(user, Math.ceil(amount / 50_000) * 50_000);
    const paymentId = this.uuid();
    this.handle(reservationStream(reservationId), reservationDecider, {
      type: 'StartPayment',
      data: { reservationId, paymentId, userId: user.userId },
    });
    const debited = this.handle(walletStream(user.userId), walletDecider, {
      type: 'DebitWallet',
      data: { userId: user.userId, paymentId, amount },
    });
    if (!debited) {
      this.handle(reservationStream(reservationId), reservationDecider, {
        type: 'FailPayment',
        data: { reservationId, paymentId, code: 'INSUFFICIENT_BALANCE' },
      });
      this.stats.paymentsFailed += 1;
      this.at(Date.parse(r.expiresAt) - this.now + this.random() * 5 * SECOND, () => this.expire(r));
      return this.leave(session);
    }
    user.balance = (debited[0].data as { balance: number }).balance;
    for (const seatId of r.seatIds) {
      this.handle(seatStream(seatId), seatDecider, { type: 'SellSeat', data: { seatId, reservationId, paymentId } });
    }
    for (const no of r.seatNos) r.schedule.held.delete(no);
    this.handle(reservationStream(reservationId), reservationDecider, {
      type: 'CompletePayment',
      data: { reservationId, paymentId },
    });
    this.handle(queueEntryStream(session.concert.concertId, user.userId), queueEntryDecider, {
      type: 'CompleteQueueEntry',
      data: { entryId: session.entryId, reservationId },
    });
    user.entries.get(session.concert.concertId)!.done = true;
    session.concert.completed.add(session.entryId);
    this.reservations.get(reservationId)!.outcome = 'paid';
    this.stats.paid += 1;
    this.leave(session);
  }

  private cancel(r: Reservation): void {
    this.correlation = r.reservationId;
    this.handle(reservationStream(r.reservationId), reservationDecider, {
      type: 'CancelReservation',
      data: { reservationId: r.reservationId, userId: r.session.user.userId },
    });
    this.releaseSeats(r.seatIds, r.reservationId, 'cancelled');
    this.freeUp(r);
    this.reservations.get(r.reservationId)!.outcome = 'cancelled';
    this.stats.cancelled += 1;
    // Some try again for other seats while still admitted.
    if (this.random() < 0.4 && r.session.attempts < 3) this.at(3 * SECOND, () => this.hold(r.session));
    else this.leave(r.session);
  }

  private expire(r: Reservation): void {
    this.correlation = r.reservationId;
    const expired = this.handle(reservationStream(r.reservationId), reservationDecider, {
      type: 'ExpireReservation',
      data: { reservationId: r.reservationId },
    });
    if (!expired) return;
    this.releaseSeats(r.seatIds, r.reservationId, 'expired');
    this.freeUp(r);
    this.reservations.get(r.reservationId)!.outcome = 'expired';
    this.stats.expired += 1;
  }

  private freeUp(r: Reservation): void {
    for (const no of r.seatNos) r.schedule.held.delete(no);
    r.schedule.free.push(...r.seatNos);
    r.session.concert.freeSeats += r.seatNos.length;
  }

  private releaseSeats(seatIds: readonly string[], reservationId: string, reason: ReleaseReason): void {
    for (const seatId of seatIds) {
      this.handle(seatStream(seatId), seatDecider, { type: 'ReleaseSeat', data: { seatId, reservationId, reason } });
    }
  }

  /**
   * The ledger's admitted list only grows, and `decide` scans it on every
   * tick; entries whose activeUntil has passed or that completed never count
   * again (time only moves forward), so dropping them changes no decision.
   */
  private pruneLedger(streamId: string, completed: ReadonlySet<string>): void {
    const stream = this.streams.get(streamId);
    const state = stream?.state as AdmissionState | undefined;
    if (!stream || !state) return;
    const live = state.admitted.filter((entry) => entry.activeUntil > this.now && !completed.has(entry.entryId));
    if (live.length < state.admitted.length) stream.state = { ...state, admitted: live };
  }

  private leave(session: Session): void {
    session.user.busy = false;
  }

  // ---- the event store and the command handler, in memory ----

  private correlation: string | undefined;

  /**
   * handleCommand without I/O: fold is kept per stream, `decide` at the
   * simulated time, the events recorded at the stream's next revisions. A
   * refusal returns undefined (the service answers 4xx and writes nothing).
   */
  private handle<S, C extends Command, E extends Event>(
    streamId: string,
    decider: Decider<S, C, E>,
    command: { type: C['type']; data: C['data'] },
  ): E[] | undefined {
    const stream = this.stream(streamId, decider);
    const metadata: CommandMetadata = { now: new Date(this.now), correlationId: (this.correlation ??= this.uuid()) };
    let events: readonly E[];
    try {
      events = decider.decide({ ...command, metadata } as C, stream.state as S);
    } catch (error) {
      if (error instanceof DomainError) return undefined;
      throw error;
    }
    const stored: EventMetadata = { correlationId: metadata.correlationId, schemaVersion: 1 };
    for (const event of events) {
      stream.state = decider.evolve(stream.state as S, event);
      stream.revision += 1;
      this.position += 1;
      this.buffer.push({
        id: this.uuid(),
        streamId,
        revision: stream.revision,
        position: this.position,
        type: event.type,
        data: event.data,
        metadata: stored,
        recordedAt: new Date(this.now),
      });
    }
    return [...events];
  }

  private stream<S>(streamId: string, decider: Pick<Decider<S, never, never>, 'initialState'>): Stream {
    let stream = this.streams.get(streamId);
    if (!stream) this.streams.set(streamId, (stream = { state: decider.initialState(), revision: -1 }));
    return stream;
  }

  private at(delayMs: number, run: () => void): void {
    const action = { at: this.now + Math.max(0, Math.round(delayMs)), seq: (this.seq += 1), run };
    const heap = this.heap;
    heap.push(action);
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private pop(): Action | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l], heap[m])) m = l;
        if (r < heap.length && before(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  }

  /** A version-4 UUID from the seeded PRNG. */
  private uuid(): string {
    const word = () => {
      const n = (this.random() * 4294967296) >>> 0;
      return HEX[n >>> 24] + HEX[(n >>> 16) & 255] + HEX[(n >>> 8) & 255] + HEX[n & 255];
    };
    const a = word();
    const b = word();
    const c = word();
    const d = word();
    return `${a}-${b.slice(0, 4)}-4${b.slice(5)}-${'89ab'[c.charCodeAt(0) & 3]}${c.slice(1, 4)}-${c.slice(4)}${d}`;
  }

  private base64(bytes: number): string {
    const buffer = Buffer.alloc(bytes);
    for (let i = 0; i < bytes; i += 1) buffer[i] = Math.floor(this.random() * 256);
    return buffer.toString('base64');
  }
}

type Reservation = {
  session: Session;
  schedule: Schedule;
  reservationId: string;
  seatNos: number[];
  seatIds: string[];
  amount: number;
  expiresAt: string;
};

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

const before = (x: Action, y: Action) => x.at < y.at || (x.at === y.at && x.seq < y.seq);
