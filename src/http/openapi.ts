import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ADMIN_KEY_SCHEME } from './auth/admin-only.decorator';
import { PUBLIC_EXTENSION } from './auth/public.decorator';
import { QUEUE_TOKEN_EXTENSION, QUEUE_TOKEN_SCHEME } from './auth/queue-token';

export const BEARER_SCHEME = 'bearer';

/**
 * Serves the HTTP contract at /docs (UI) and /docs/json. The UI's assets go
 * through @fastify/static, which FastifyAdapter loads on demand.
 * Call before app.init()/listen(): it adds routes.
 */
export function setupOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Rush Tickets API')
    .setDescription(
      'Waiting room, five-minute seat holds and payments. Errors are application/problem+json with a stable `code`. ' +
        'Queries honour `X-Min-Position`. While a read-model store is down, a query answers its last good answer ' +
        'with `X-Data-Stale: true` and `Age` (seconds), or 503 `READ_MODEL_UNAVAILABLE` with `Retry-After`.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_SCHEME)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Admin-Key' }, ADMIN_KEY_SCHEME)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Queue-Token' }, QUEUE_TOKEN_SCHEME)
    .addSecurityRequirements(BEARER_SCHEME)
    .build();
  const document = applySecurity(SwaggerModule.createDocument(app, config));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json', raw: ['json'] });
  return document;
}

/**
 * Bearer is the default; the auth decorators leave marks (extensions) that
 * become the operation's own security: none for @Public(), bearer AND queue
 * token for @QueueToken(). @AdminOnly() already set its own via @ApiSecurity.
 */
function applySecurity(document: OpenAPIObject): OpenAPIObject {
  for (const path of Object.values(document.paths)) {
    for (const operation of [path.get, path.put, path.post, path.delete, path.patch, path.head, path.options]) {
      if (!operation) continue;
      const marks = operation as unknown as Record<string, unknown>;
      if (marks[PUBLIC_EXTENSION]) operation.security = [];
      else if (marks[QUEUE_TOKEN_EXTENSION]) operation.security = [{ [BEARER_SCHEME]: [], [QUEUE_TOKEN_SCHEME]: [] }];
      delete marks[PUBLIC_EXTENSION];
      delete marks[QUEUE_TOKEN_EXTENSION];
    }
  }
  return document;
}
