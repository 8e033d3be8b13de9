import { Controller, Get, Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../http/auth/current-user.decorator';
import { READ_MODELS, ReadModels } from '../read-models';

export class GetWallet extends Query<{ balance: number }> {
  constructor(readonly userId: string) {
    super();
  }
}

@QueryHandler(GetWallet)
export class GetWalletHandler implements IQueryHandler<GetWallet> {
  constructor(@Inject(READ_MODELS) private readonly readModels: ReadModels) {}

  async execute({ userId }: GetWallet) {
    return { balance: this.readModels.wallet(userId)?.balance ?? 0 };
  }
}

@ApiTags('wallet')
@Controller('v1/wallet')
export class WalletQueriesController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  get(@CurrentUser() userId: string) {
    return this.queries.execute(new GetWallet(userId));
  }
}
