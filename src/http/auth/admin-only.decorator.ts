import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';

export const ADMIN_ONLY = 'http:adminOnly';
/** The OpenAPI security scheme name registered by setupOpenApi. */
export const ADMIN_KEY_SCHEME = 'admin-key';

/** Admin routes take `X-Admin-Key` instead of a bearer token. */
export const AdminOnly = () => applyDecorators(SetMetadata(ADMIN_ONLY, true), ApiSecurity(ADMIN_KEY_SCHEME));
