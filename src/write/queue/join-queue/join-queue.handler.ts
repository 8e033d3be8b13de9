import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CACHED_EVENT_STORE, CachedEventStore } from '../../../event-store/state-cache/cached-event-store';
import { CLOCK, Clock } from '../../../shared/clock';
import { handleCommand } from '../../../shared/command-handler';
import { DomainError } from '../../../shared/domain-error';
import { metadataAt } from '../../../shared/metadata';
import { secondsUntil } from '../../../shared/queue-eta';
import { concertState } from '../../catalog/concert-catalog';
import { AdmissionState, admissionDecider, admissionStream, admitPerMinuteOf } from '../admission.decider';
import { expiredEntryIds } from '../queue-access';
import { QueueEntryState, queueEntryDecider, queueEntryStream } from '../queue-entry.decider';
import { Place, QueuePlaces } from '../queue-places';

export type JoinAnswer = {
  entryId: string;
  created: boolean;
  position: number;
  place: Place;
  /** Admission is paused by an admin: a waiting entry answers PAUSED. */
  paused: boolean;
  admitPerMinute: number | undefined;
  /** Seconds to the scheduled opening, for a pre-queue place. */
  opensInSeconds: number;
};

export class JoinQueueCommand extends Command<JoinAnswer> {
  constructor(
    readonly concertId: string,
    readonly userId: string,
  ) {
    super();
  }
}

@CommandHandler(JoinQueueCommand)
export class JoinQueueHandler implements ICommandHandler<JoinQueueCommand> {
  constructor(
    @Inject(CACHED_EVENT_STORE) private readonly store: CachedEventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly places: QueuePlaces,
  ) {}

  async execute({ concertId, userId }: JoinQueueCommand): Promise<JoinAnswer> {
    const concert = (await concertState(this.store, concertId)).created;
    if (!concert) throw new DomainError('CONCERT_NOT_FOUND', `concert ${concertId} not found`);
    const now = this.clock.now();
    const stream = queueEntryStream(concertId, userId);
    const entry = this.store.cached<QueueEntryState>(stream) ?? (await this.store.load(stream, queueEntryDecider));
    // Whether a live-looking entry timed out is the ledger's to say; read, since the leader may be elsewhere.
    const current = entry.state.current;
    const expired =
      current && !current.completed
        ? expiredEntryIds(
            entry.state,
            (await this.store.load<AdmissionState>(admissionStream(concertId), admissionDecider)).state,
            now.getTime(),
          )
        : [];
    const { events, state, position } = await handleCommand(
      this.store,
      queueEntryStream(concertId, userId),
      queueEntryDecider,
      {
        type: 'JoinQueue',
        data: { entryId: crypto.randomUUID(), concertId, userId, expiredEntryIds: expired },
        metadata: metadataAt(now),
      },
    );
    const created = events.length > 0;
    const joinedPosition = created ? position! : await this.joinedPosition(stream);
    const ledger =
      this.store.cached<AdmissionState>(admissionStream(concertId)) ??
      (await this.store.load<AdmissionState>(admissionStream(concertId), admissionDecider));
    const scheduled = concert.onSaleAt !== undefined;
    const opening = !scheduled ? 'none' : ledger.state.opened ? 'opened' : 'ahead';
    const place = await this.places.placeOf(concertId, joinedPosition, ledger.state.servedUpTo, now.getTime(), opening);
    return {
      entryId: state.current!.entryId,
      created,
      position: position ?? joinedPosition,
      place,
      paused: ledger.state.paused,
      admitPerMinute: admitPerMinuteOf(ledger.state, concert.admitPerMinute),
      opensInSeconds: scheduled ? secondsUntil(Date.parse(concert.onSaleAt!), now.getTime()) : 0,
    };
  }

  /** Where the user's live entry joined: its stream's last QueueJoined. */
  private async joinedPosition(stream: string): Promise<number> {
    const joins = (await this.store.readStream(stream)).filter((e) => e.type === 'QueueJoined');
    return joins[joins.length - 1].position;
  }
}
