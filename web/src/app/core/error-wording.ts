import { HttpErrorResponse, HttpInterceptorFn } from '@angular/common/http';
import { Injector, inject } from '@angular/core';
import { catchError, throwError } from 'rxjs';

import { I18nService } from './i18n.service';
import { MessageKey } from './messages';
import { TicketStatus } from './models';
import { STATUSES } from '../tickets/ticket-workflow';

/** The gateway's error `reason`s the console words itself (the `error` text is English). */
export const WORDED_REASONS = ['invalid_credentials', 'agent_email_taken', 'phone_taken', 'version_conflict', 'status_moved', 'view_name_taken', 'too_many_views', 'shared_admins_only', 'canned_reply_not_found', 'macro_not_found', 'library_full', 'macro_reply_without_conversation'] as const;
type Reason = (typeof WORDED_REASONS)[number];

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

interface ErrorBody {
  error?: unknown;
  reason?: unknown;
  params?: unknown;
}

/** An error answer's text in the console's language: from its `reason` and `params` when the
 * console knows the reason, "no connection" when nothing answered, else the server's text. */
export function wordedError(body: ErrorBody | null, status: number, t: Translate): string | null {
  if (status === 0) return t('error.network');
  const reason = body?.reason;
  if (typeof reason !== 'string' || !(WORDED_REASONS as readonly string[]).includes(reason)) return null;
  const params: Record<string, string | number> = {};
  for (const [name, value] of Object.entries((body?.params as Record<string, unknown>) ?? {})) {
    if (typeof value === 'string' || typeof value === 'number') params[name] = value;
  }
  if (typeof params['status'] === 'string' && STATUSES.includes(params['status'] as TicketStatus)) {
    params['status'] = t(`status.${params['status'] as TicketStatus}`);
  }
  return t(`error.${reason as Reason}`, params);
}

/** Every failed API call reaches the screens with its text in the console's language (the
 * screens show `toApiError(error).message`, which reads the body's `error`). */
export const errorWordingInterceptor: HttpInterceptorFn = (request, next) => {
  // Looked up on failure only: the I18nService loads the configuration through this client.
  const injector = inject(Injector);
  return next(request).pipe(
    catchError((error: unknown) => {
      if (!(error instanceof HttpErrorResponse)) return throwError(() => error);
      const i18n = injector.get(I18nService);
      const body = error.error && typeof error.error === 'object' ? (error.error as ErrorBody) : null;
      const text = wordedError(body, error.status, (key, params) => i18n.t(key, params));
      if (text === null) return throwError(() => error);
      const worded = new HttpErrorResponse({
        error: { ...(body ?? { success: false }), error: text },
        headers: error.headers,
        status: error.status,
        statusText: error.statusText,
        url: error.url ?? undefined,
      });
      return throwError(() => worded);
    }),
  );
};
