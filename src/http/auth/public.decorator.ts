import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

export const IS_PUBLIC = 'http:isPublic';
/** Operation extension setupOpenApi turns into "no security". */
export const PUBLIC_EXTENSION = 'x-public';

/** Opens a route (or a whole controller) to callers without a bearer token. */
export const Public = () => applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension(PUBLIC_EXTENSION, true));
